"""A hypothesis helper the hostile tests share: a few random byte flips of a valid file."""

from __future__ import annotations

from hypothesis import strategies as st


def flipped(data: st.DataObject, original: bytes, most: int = 4) -> bytes:
    """`original` with one to `most` bytes XORed with random non-zero values."""
    flips = data.draw(
        st.lists(
            st.tuples(st.integers(0, len(original) - 1), st.integers(1, 255)),
            min_size=1,
            max_size=most,
        )
    )
    damaged = bytearray(original)
    for offset, xor in flips:
        damaged[offset] ^= xor
    return bytes(damaged)
