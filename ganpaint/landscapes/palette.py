"""Colours of the landscapes: the light and sky of each time of day, and surface albedos.

A surface's colour is its albedo (fixed per scene) times the light of the time of
day, hazed towards the horizon colour with distance. Day, dusk and night images of
one scene therefore differ only by light, as a photo of the same place would.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganpaint.landscapes.hashrand import SeedRandom

Colour = tuple[float, float, float]


@dataclass
class Palette:
    """The light of one time of day, per seed: every field is (N, 3) linear-ish RGB in [0, 1]."""

    zenith: np.ndarray
    mid: np.ndarray
    horizon: np.ndarray
    sun: np.ndarray  # the disc: sun by day and dusk, moon at night
    glow: np.ndarray  # tight halo around the disc (colour times strength)
    haze_glow: np.ndarray  # broad glow of the sky around the sun
    light: np.ndarray  # multiplies surface albedos
    cloud_lit: np.ndarray
    cloud_shade: np.ndarray
    water: np.ndarray  # how much the water tints its reflection, times the light
    stars: np.ndarray  # (N,) star brightness; zero by day
    night: bool

    def take(self, part: slice) -> Palette:
        """The palettes of the scenes in `part`."""
        fields = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return Palette(
            **{k: v[part] if isinstance(v, np.ndarray) else v for k, v in fields.items()}
        )


def _jitter(r: SeedRandom, name: str, colour: Colour, spread: float, bright: float) -> np.ndarray:
    """`colour` per seed, each channel scaled by up to ±spread/2 and all by ±bright/2."""
    base = np.asarray(colour, dtype=np.float64)[None, :]
    per_channel = 1.0 + spread * (r.unit(name, 3) - 0.5)
    overall = 1.0 + bright * (r.unit(name + ".b")[:, None] - 0.5)
    return np.clip(base * per_channel * overall, 0.0, 1.0)


def _pick(mask: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(mask[:, None], a, b)


def _day(r: SeedRandom) -> Palette:
    n = r.seeds.shape[0]
    zenith = _jitter(r, "day.zenith", (0.20, 0.42, 0.82), 0.25, 0.25)
    horizon = _jitter(r, "day.horizon", (0.78, 0.87, 0.95), 0.08, 0.1)
    return Palette(
        zenith=zenith,
        mid=0.5 * (zenith + horizon) + np.array([[0.0, 0.02, 0.03]]),
        horizon=horizon,
        sun=_jitter(r, "day.sun", (1.0, 0.98, 0.90), 0.04, 0.0),
        glow=_jitter(r, "day.glow", (0.55, 0.52, 0.42), 0.1, 0.4),
        haze_glow=_jitter(r, "day.haze", (0.16, 0.14, 0.10), 0.2, 0.6),
        light=_jitter(r, "day.light", (1.0, 0.98, 0.93), 0.06, 0.15),
        cloud_lit=_jitter(r, "day.cloud", (1.0, 1.0, 1.0), 0.02, 0.05),
        cloud_shade=_jitter(r, "day.cshade", (0.70, 0.74, 0.83), 0.08, 0.2),
        water=_jitter(r, "day.water", (0.10, 0.24, 0.34), 0.3, 0.3),
        stars=np.zeros(n),
        night=False,
    )


def _dusk(r: SeedRandom) -> Palette:
    n = r.seeds.shape[0]
    horizon = _jitter(r, "dusk.horizon", (1.0, 0.60, 0.30), 0.2, 0.15)
    sun = _jitter(r, "dusk.sun", (1.0, 0.86, 0.58), 0.1, 0.0)
    return Palette(
        zenith=_jitter(r, "dusk.zenith", (0.16, 0.17, 0.40), 0.35, 0.3),
        mid=_jitter(r, "dusk.mid", (0.72, 0.44, 0.52), 0.25, 0.2),
        horizon=horizon,
        sun=sun,
        glow=_jitter(r, "dusk.glow", (0.9, 0.55, 0.25), 0.15, 0.3),
        haze_glow=_jitter(r, "dusk.haze", (0.45, 0.25, 0.08), 0.2, 0.5),
        light=_jitter(r, "dusk.light", (0.80, 0.52, 0.40), 0.12, 0.2),
        cloud_lit=_jitter(r, "dusk.cloud", (1.0, 0.68, 0.52), 0.15, 0.15),
        cloud_shade=_jitter(r, "dusk.cshade", (0.42, 0.30, 0.46), 0.2, 0.25),
        water=_jitter(r, "dusk.water", (0.10, 0.12, 0.22), 0.3, 0.3),
        stars=np.zeros(n),
        night=False,
    )


def _night(r: SeedRandom) -> Palette:
    zenith = _jitter(r, "night.zenith", (0.010, 0.018, 0.065), 0.3, 0.4)
    horizon = _jitter(r, "night.horizon", (0.07, 0.11, 0.24), 0.25, 0.35)
    return Palette(
        zenith=zenith,
        mid=0.55 * zenith + 0.45 * horizon,
        horizon=horizon,
        sun=_jitter(r, "night.moon", (0.96, 0.95, 0.86), 0.05, 0.05),
        glow=_jitter(r, "night.glow", (0.30, 0.36, 0.45), 0.15, 0.4),
        haze_glow=_jitter(r, "night.haze", (0.05, 0.07, 0.11), 0.2, 0.5),
        light=_jitter(r, "night.light", (0.14, 0.18, 0.32), 0.15, 0.3),
        cloud_lit=_jitter(r, "night.cloud", (0.30, 0.33, 0.44), 0.15, 0.3),
        cloud_shade=_jitter(r, "night.cshade", (0.07, 0.09, 0.16), 0.2, 0.3),
        water=_jitter(r, "night.water", (0.02, 0.04, 0.08), 0.3, 0.3),
        stars=r.uniform("night.stars", 0.4, 1.0) * r.chance("night.starry", 0.85),
        night=True,
    )


def photo_palette(r: SeedRandom, dusk: np.ndarray) -> Palette:
    """The light of the 'photo' image: day or dusk per seed."""
    day, evening = _day(r), _dusk(r)
    fields = {
        name: _pick(dusk, getattr(evening, name), getattr(day, name))
        for name in Palette.__dataclass_fields__
        if name not in ("stars", "night")
    }
    return Palette(**fields, stars=day.stars, night=False)


def night_palette(r: SeedRandom) -> Palette:
    """The light of the same scene at night (moonlight, stars)."""
    return _night(r)


# Surface albedos by season (summer, autumn, winter).
GRASS: tuple[Colour, ...] = ((0.34, 0.56, 0.20), (0.58, 0.52, 0.22), (0.90, 0.93, 0.97))
CONIFER: tuple[Colour, ...] = ((0.10, 0.26, 0.15), (0.12, 0.25, 0.14), (0.14, 0.24, 0.18))
DECIDUOUS: tuple[Colour, ...] = ((0.22, 0.44, 0.14), (0.78, 0.42, 0.12), (0.42, 0.36, 0.32))
ROCK: tuple[Colour, ...] = (
    (0.40, 0.44, 0.52),  # blue-grey granite
    (0.48, 0.40, 0.32),  # brown
    (0.33, 0.40, 0.33),  # green-grey
    (0.58, 0.38, 0.28),  # red sandstone
)
TRUNK: Colour = (0.30, 0.21, 0.14)
SNOW: Colour = (0.94, 0.96, 1.0)


def season_colour(
    r: SeedRandom,
    name: str,
    table: tuple[Colour, ...],
    index: np.ndarray,
    spread: float | np.ndarray = 0.2,
    tint: float | np.ndarray | None = None,
) -> np.ndarray:
    """The albedo `table[index]` per seed, jittered so no two scenes share a colour exactly.

    `spread` varies the brightness, `tint` (default: spread) each channel on its own.
    """
    base = np.asarray(table, dtype=np.float64)[index]
    tint = spread if tint is None else tint
    per_channel = 1.0 + tint * (r.unit(name, 3) - 0.5)
    overall = 1.0 + spread * (r.unit(name + ".b")[:, None] - 0.5)
    return np.clip(base * per_channel * overall, 0.0, 1.0)
