"""Trees: rows of conifers and round deciduous trees, each with a trunk.

A row's outline per column is the union of its trees: the front crown's top edge
(with its slope and the tree it belongs to), the lowest crown bottom, and the
nearest trunk. Each tree is evaluated only on the few columns it spans, and the
results are scattered into columns with one ufunc.at on keys that pack a quantised
value with the tree's index, so cost grows with tree width, not image width.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import ganpaint.landscapes.palette as pal
from ganpaint import labels as L
from ganpaint.landscapes.raster import (
    F32,
    Canvas,
    Edge,
    Rows,
    colour3,
    columns3,
    pixel_centres,
    planes,
)
from ganpaint.landscapes.scene import Scene, TreeRow

FAR = 9.0
_NO_TRUNK = -64.0  # pixels "inside" a trunk for columns without one
_QUANTUM = 2.0**30  # resolution of the values packed into scatter keys


def _scatter(op, where, values, none, tree, cells) -> tuple[np.ndarray, np.ndarray]:
    """Per cell: the tree whose value wins under `op`, and whether a real one did.

    Values are quantised by their distance from `none` (the value meaning "no tree") and
    packed with the tree's index into one int64, so one ufunc.at finds value and tree.
    """
    bits = max(1, int(tree.max()).bit_length())
    quantised = np.floor(np.abs(values - none) * _QUANTUM).astype(np.int64)
    if op is np.minimum:
        quantised = -quantised  # the smallest value lies farthest below `none`
    key = (quantised << bits) | tree
    init = np.iinfo(np.int64).max if op is np.minimum else np.iinfo(np.int64).min
    keys = np.full(cells, init, dtype=np.int64)
    op.at(keys, where, key.ravel())
    found = ((keys >> bits) != 0) & (keys != init)
    winner = np.where(found, keys & ((1 << bits) - 1), 0)
    return winner, found


def _conifers(dx, h, w, base):
    """A triangle from the apex down to a flat bottom above a short trunk."""
    apex = base - h
    bottom = base - 0.14 * h
    run = np.abs(dx) / w
    inside = run < 1.0
    top = np.where(inside, apex + (bottom - apex) * run, FAR)
    slope = np.sign(dx) * ((bottom - apex) / w)
    return top, slope, np.where(inside, bottom, -FAR)


def _deciduous(dx, h, w, base):
    """A round crown with two lower lobes."""
    centre = base - h + w
    top = np.full(dx.shape, FAR)
    slope = np.zeros(dx.shape)
    bottom = np.full(dx.shape, -FAR)
    for ox, oy, rk in ((0.0, 0.0, 1.0), (-0.62, 0.3, 0.72), (0.62, 0.3, 0.72)):
        ddx = dx - ox * w
        root = np.sqrt(np.maximum((rk * w) ** 2 - ddx * ddx, 0.0))
        inside = root > 0.0
        lobe = np.where(inside, centre + oy * w - root, FAR)
        better = lobe < top
        top = np.where(better, lobe, top)
        slope = np.where(better, ddx / np.maximum(root, 1e-6), slope)
        bottom = np.maximum(bottom, np.where(inside, centre + oy * w + 0.8 * root, -FAR))
    return top, slope, bottom


@dataclass
class TreeLayer:
    """The trunks and crowns of one row of trees, as per-column profiles."""

    top: Edge  # the front crown's top edge, FAR where no crown
    bottom: Edge  # the lowest crown edge, -FAR where no crown
    leaves: dict[str, np.ndarray]  # per kind, (3, N, W) float32: the front crown's colour
    across: np.ndarray  # (N, W) float32 pixels inside the nearest trunk's sides
    trunk_top: Edge
    trunk_base: Edge
    bark: dict[str, np.ndarray]  # per kind, (N, 3)

    @classmethod
    def prepare(
        cls, s: Scene, t: TreeRow, size: int, haze: float, palettes: dict[str, pal.Palette]
    ) -> TreeLayer | None:
        if not np.any(t.active):
            return None
        n = t.x.shape[0]
        image, _ = np.nonzero(t.active)  # one entry per tree that exists, (M,)
        x, h, w, base = (v[t.active] for v in (t.x, t.height, t.width, t.base))
        con = t.conifer[t.active]
        reach = np.where(con, w, 1.36 * w)  # half the tree's extent in x
        first = np.floor((x - reach) * size - 0.5).astype(np.intp)
        k = int(np.clip(np.max(np.ceil(2.0 * reach * size + 2.0)), 1, size + 2))
        cols = first[:, None] + np.arange(k)  # (M, K): the columns each tree spans
        valid = (cols >= 0) & (cols < size)
        dx = (cols + 0.5) / size - x[:, None]
        top = np.full(dx.shape, FAR)
        slope = np.zeros(dx.shape)
        bottom = np.full(dx.shape, -FAR)
        for kind, shape in ((con, _conifers), (~con, _deciduous)):
            if np.any(kind):
                parts = shape(dx[kind], h[kind, None], w[kind, None], base[kind, None])
                top[kind], slope[kind], bottom[kind] = parts
        top = np.where(valid, top, FAR)
        bottom = np.where(valid, bottom, -FAR)
        # trunks reach from inside the crown down to the ground
        half = np.where(con, 0.035, 0.05) * h
        trunk_top = np.where(con, base - 0.16 * h, base - h + w)
        across = np.maximum((half[:, None] - np.abs(dx)) * size, _NO_TRUNK + 1.0)
        across = np.where(valid, across, _NO_TRUNK)

        where = (image[:, None] * size + np.clip(cols, 0, size - 1)).ravel()
        tree = np.arange(len(x))[:, None]
        front, has_crown = _scatter(np.minimum, where, top, FAR, tree, n * size)
        nearest, has_trunk = _scatter(np.maximum, where, across, _NO_TRUNK, tree, n * size)
        lowest = np.full(n * size, -FAR)
        np.maximum.at(lowest, where, bottom.ravel())
        column = np.tile(np.arange(size), n)

        def pick(values: np.ndarray, which: np.ndarray) -> np.ndarray:
            """values[which, column - first[which]]: the chosen tree's entry in each column."""
            at = which * k + np.clip(column - first[which], 0, k - 1)
            return values.ravel()[at].reshape(n, size)

        has_crown, has_trunk = has_crown.reshape(n, size), has_trunk.reshape(n, size)
        offset = np.where(has_crown, pick(dx, front), 0.0)
        xs = pixel_centres(size)
        towards = np.sign(s.sun_x[:, None] - xs[None, :])
        width = w[front].reshape(n, size)
        lit = 1.0 + 0.22 * np.clip(offset / width * towards * 1.4, -1.0, 1.0)
        albedo = np.moveaxis(t.albedo[t.active], 1, 0)[:, front].reshape(3, n, size) * lit
        leaves = {
            kind: _lerp(albedo * planes(p.light), planes(p.horizon), haze).astype(F32)
            for kind, p in palettes.items()
        }
        bark = {
            kind: _lerp(np.asarray(pal.TRUNK) * p.light * 0.8, p.horizon, haze)
            for kind, p in palettes.items()
        }
        crown_top = np.where(has_crown, pick(top, front), FAR)
        return cls(
            top=Edge(crown_top, size, np.where(has_crown, pick(slope, front), 0.0)),
            bottom=Edge(lowest.reshape(n, size), size),
            leaves=leaves,
            across=np.where(has_trunk, pick(across, nearest), _NO_TRUNK).astype(F32),
            trunk_top=Edge(np.where(has_trunk, trunk_top[nearest].reshape(n, size), FAR), size),
            trunk_base=Edge(np.where(has_trunk, base[nearest].reshape(n, size), -FAR), size),
            bark=bark,
        )

    def paint(self, c: Canvas, part: slice) -> None:
        """Crowns and trunks as one region (the union: the larger signed distance)."""
        reach = c.reach()
        first = np.minimum(self.top.first(part, reach), self.trunk_top.first(part, reach))
        last = np.maximum(self.bottom.last(part, reach), self.trunk_base.last(part, reach))
        rows = c.window(first, last)
        if rows.height == 0:
            return
        d = c.below(self.top, rows, part)
        np.minimum(d, c.above(self.bottom, rows, part), out=d)
        trunk = c.below(self.trunk_top, rows, part)
        np.minimum(trunk, self.across[part, None, :], out=trunk)
        np.minimum(trunk, c.above(self.trunk_base, rows, part), out=trunk)
        wood = trunk > d
        np.maximum(d, trunk, out=d)

        def colour(kind: str, p: pal.Palette, rows: Rows) -> list[np.ndarray]:
            leaves, bark = columns3(self.leaves[kind][:, part]), colour3(self.bark[kind][part])
            return [np.where(wood, bark[ch], leaves[ch]) for ch in range(3)]

        c.layer(rows, d, L.TREE, colour)


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    return a + (b - a) * t


def tree_layer(
    s: Scene, t: TreeRow, size: int, haze: float, palettes: dict[str, pal.Palette]
) -> TreeLayer | None:
    return TreeLayer.prepare(s, t, size, haze, palettes)
