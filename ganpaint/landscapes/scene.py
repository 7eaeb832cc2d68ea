"""What is in each landscape: continuous parameters drawn from its seed.

Everything is in scene units (x from 0 at the left to 1 at the right, y from 0 at
the top to 1 at the bottom), so a seed describes one scene at every resolution and
the rasteriser only decides how finely to sample it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

import ganpaint.landscapes.palette as pal
from ganpaint.landscapes.hashrand import SeedRandom
from ganpaint.landscapes.noise import fbm

MAX_RIDGES = 3
MAX_CLOUDS = 4
CLOUD_BUMPS = 7
HILLS = 2
TREELINE_TREES = 22
HILL_TREES = (8, 6)


T = TypeVar("T")


def take(params: T, index: np.ndarray) -> T:
    """A copy of per-scene parameters (a dataclass of arrays) for the scenes `index` only.

    Layers compute profiles only for the scenes that have the element (a third ridge,
    a second hill), which keeps their cost proportional to what is drawn.
    """
    arrays = {
        f.name: value[index]
        for f in dataclasses.fields(params)  # type: ignore[arg-type]
        if isinstance(value := getattr(params, f.name), np.ndarray)
    }
    return dataclasses.replace(params, **arrays)  # type: ignore[type-var]


@dataclass
class Ridge:
    """A mountain ridge: a fractal height profile; `depth` 1 is far (hazy), 0 is near."""

    name: str
    active: np.ndarray
    base: np.ndarray
    amp: np.ndarray
    freq: np.ndarray
    gain: np.ndarray
    sharp: np.ndarray
    depth: np.ndarray
    albedo: np.ndarray
    snow: np.ndarray  # bool: snow-capped
    snowline: np.ndarray

    def profile(self, seeds: np.ndarray, x: np.ndarray, resolution: int) -> tuple[np.ndarray, ...]:
        """The ridge line at columns `x`, and its broad shape (for lighting)."""
        fine, broad = fbm(
            seeds, self.name, x, self.freq, 8, self.gain, resolution=resolution, broad=2
        )
        return self._height(fine), self._height(broad)

    def _height(self, n: np.ndarray) -> np.ndarray:
        shape = np.clip(0.5 + 1.1 * n, 0.0, None) ** self.sharp[:, None]
        h = self.base[:, None] - self.amp[:, None] * shape
        return np.where(self.active[:, None], h, 9.0)

    def snow_height(self, seeds: np.ndarray, x: np.ndarray, resolution: int) -> np.ndarray:
        wobble = fbm(seeds, self.name + ".snow", x, self.freq * 4.0, 4, 0.6, resolution=resolution)
        return self.snowline[:, None] + 0.12 * self.amp[:, None] * wobble


@dataclass
class Cloud:
    """A cumulus (or, flattened, a stratus streak): bumps of circles above a flat base."""

    active: np.ndarray
    base: np.ndarray  # y of the flat underside
    cx: np.ndarray  # (N, B) bump centres
    radius: np.ndarray  # (N, B)
    flat: np.ndarray  # vertical squash of the bumps


@dataclass
class Hill:
    """A grassy hill in the foreground: a smooth height profile with a tilt."""

    name: str
    active: np.ndarray
    base: np.ndarray
    amp: np.ndarray
    freq: np.ndarray
    tilt: np.ndarray
    haze: np.ndarray

    def height(self, seeds: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The hill's top edge at positions `x` (N, M), at full detail."""
        return self._height(fbm(seeds, self.name, x, self.freq, 6, 0.45), x)

    def profile(self, seeds: np.ndarray, x: np.ndarray, resolution: int) -> tuple[np.ndarray, ...]:
        """The top edge at columns `x`, and its broad shape (for lighting)."""
        fine, broad = fbm(seeds, self.name, x, self.freq, 6, 0.45, resolution=resolution, broad=2)
        return self._height(fine, x), self._height(broad, x)

    def _height(self, n: np.ndarray, x: np.ndarray) -> np.ndarray:
        h = self.base[:, None] - self.amp[:, None] * (0.5 + n) + self.tilt[:, None] * (x - 0.5)
        return np.where(self.active[:, None], h, 9.0)


@dataclass
class TreeRow:
    """Trees standing on one ground layer: positions, sizes and kinds, all (N, T)."""

    active: np.ndarray  # (N, T) bool
    x: np.ndarray
    base: np.ndarray  # y where the trunk meets the ground (a little below its surface)
    height: np.ndarray
    width: np.ndarray  # half-width of a conifer, crown radius of a deciduous tree
    conifer: np.ndarray  # (N, T) bool
    albedo: np.ndarray  # (N, T, 3)


@dataclass
class Scene:
    """All parameters of a batch of scenes; arrays have the batch as their first axis."""

    seeds: np.ndarray
    dusk: np.ndarray
    season: np.ndarray
    horizon: np.ndarray  # y of the far shore / plain
    lake: np.ndarray
    sun_x: np.ndarray
    sun_y: np.ndarray
    sun_r: np.ndarray
    moon_phase: np.ndarray  # maria offsets for the moon's face
    ridges: list[Ridge]
    clouds: list[Cloud]
    plain: Hill  # the middle ground when there is no lake
    hills: list[Hill]
    tree_rows: list[TreeRow]  # [treeline on the far shore or plain, trees on hill 0, hill 1]
    grass: np.ndarray  # (N, 3) albedo
    photo: pal.Palette
    night: pal.Palette

    @property
    def n(self) -> int:
        return int(self.seeds.shape[0])


def _ridges(r: SeedRandom, horizon: np.ndarray, season: np.ndarray, grass: np.ndarray):
    count = 1 + r.choice("ridges", (0.22, 0.4, 0.38))
    far = r.uniform("ridge.far", 0.62, 0.92)
    near = r.uniform("ridge.near", 0.0, 0.3)
    single = r.uniform("ridge.single", 0.1, 0.75)
    rock = pal.season_colour(r, "rock", pal.ROCK, r.choice("rock", (1, 1, 1, 0.5)), 0.25)
    forest = r.uniform("ridge.forest", 0.0, 1.0) * (season < 2)
    winter = season == 2
    ridges = []
    for k in range(MAX_RIDGES):
        name = f"ridge{k}"
        active = k < count
        frac = k / np.maximum(count - 1, 1)
        depth = np.where(count == 1, single, far + (near - far) * frac)
        base = horizon - 0.015 - 0.07 * depth + r.uniform(name + ".base", -0.02, 0.02)
        amp = r.uniform(name + ".amp", 0.10, 0.30) * (0.55 + 0.75 * depth)
        amp = np.minimum(amp, base - 0.14)
        greenery = (forest * (1.0 - depth) * 0.85)[:, None]
        albedo = rock + greenery * (grass * 0.55 - rock)
        high = depth * amp > 0.08
        snow = winter | (high & r.chance(name + ".snow", 0.5))
        snowline = base - amp * r.uniform(name + ".snowline", 0.45, 0.8)
        ridges.append(
            Ridge(
                name=name,
                active=active,
                base=base,
                amp=amp,
                freq=r.uniform(name + ".freq", 1.6, 3.6),
                gain=r.uniform(name + ".gain", 0.42, 0.58),
                sharp=r.uniform(name + ".sharp", 1.0, 1.7),
                depth=depth,
                albedo=albedo,
                snow=snow & active,
                snowline=snowline,
            )
        )
    return ridges


def _clouds(r: SeedRandom, horizon: np.ndarray, dusk: np.ndarray) -> list[Cloud]:
    count = r.choice("clouds", (0.14, 0.26, 0.28, 0.18, 0.14))
    clouds = []
    for j in range(MAX_CLOUDS):
        name = f"cloud{j}"
        stratus = r.chance(name + ".stratus", 0.25) | (dusk & r.chance(name + ".dusk", 0.4))
        width = np.where(
            stratus, r.uniform(name + ".ws", 0.2, 0.36), r.uniform(name + ".w", 0.08, 0.24)
        )
        centre = r.uniform(name + ".x", -0.05, 1.05)
        offsets = (r.unit(name + ".bx", CLOUD_BUMPS) * 2.0 - 1.0) * width[:, None]
        # biggest bumps in the middle: a cumulus tower, tapering to the sides
        taper = 1.0 - 0.55 * np.abs(offsets) / width[:, None]
        radius = width[:, None] * r.uniform(name + ".br", 0.3, 0.62, CLOUD_BUMPS) * taper
        clouds.append(
            Cloud(
                active=j < count,
                base=r.uniform(name + ".y", 0.08, 1.0, None) * (horizon - 0.26) + 0.06,
                cx=centre[:, None] + offsets,
                radius=radius,
                flat=np.where(stratus, r.uniform(name + ".flat", 0.45, 0.65), 1.0),
            )
        )
    return clouds


def _hills(r: SeedRandom, horizon: np.ndarray, lake: np.ndarray) -> tuple[Hill, list[Hill]]:
    plain = Hill(
        name="plain",
        active=~lake,
        base=horizon + 0.012,
        amp=r.uniform("plain.amp", 0.005, 0.03),
        freq=r.uniform("plain.freq", 1.0, 3.0),
        tilt=r.uniform("plain.tilt", -0.02, 0.02),
        haze=np.full(horizon.shape, 0.3),
    )
    two = r.chance("hills.two", np.where(lake, 0.3, 0.6))
    drop = np.where(lake, 0.1, 0.0)
    hills = [
        Hill(
            name="hill0",
            active=two,
            base=horizon + r.uniform("hill0.base", 0.08, 0.18) + drop,
            amp=r.uniform("hill0.amp", 0.03, 0.1),
            freq=r.uniform("hill0.freq", 0.8, 2.0),
            tilt=r.uniform("hill0.tilt", -0.2, 0.2) * (1.0 + lake),
            haze=np.full(horizon.shape, 0.14),
        ),
        Hill(
            name="hill1",
            active=np.ones(horizon.shape, dtype=bool),
            base=r.uniform("hill1.base", 0.84, 0.95) + drop * 0.6,
            amp=r.uniform("hill1.amp", 0.04, 0.12),
            freq=r.uniform("hill1.freq", 0.6, 1.6),
            tilt=r.uniform("hill1.tilt", -0.25, 0.25) * (1.0 + lake),
            haze=np.zeros(horizon.shape),
        ),
    ]
    return plain, hills


def _tree_row(
    r: SeedRandom,
    name: str,
    count: int,
    active: np.ndarray,
    x: np.ndarray,
    ground: np.ndarray,
    size: np.ndarray,
    conifer_p: np.ndarray,
    season: np.ndarray,
) -> TreeRow:
    height = size[:, None] * r.uniform(name + ".h", 0.65, 1.3, count)
    conifer = r.unit(name + ".kind", count) < conifer_p[:, None]
    slim = r.uniform(name + ".slim", 0.26, 0.42, count)
    width = height * np.where(conifer, slim, slim + 0.06)
    needle = np.asarray(pal.CONIFER)[season][:, None, :]
    leaf = np.asarray(pal.DECIDUOUS)[season][:, None, :]
    tint = 1.0 + 0.25 * (r.unit(name + ".tint", count * 3).reshape(-1, count, 3) - 0.5)
    bright = r.uniform(name + ".bright", 0.8, 1.2, count)[:, :, None]
    albedo = np.where(conifer[:, :, None], needle, leaf) * tint * bright
    base = ground + 0.03 * height + 0.004
    visible = active & (base < 1.0) & (x > -0.1) & (x < 1.1)
    return TreeRow(
        active=visible,
        x=x,
        base=base,
        height=height,
        width=width,
        conifer=conifer,
        albedo=np.clip(albedo, 0.0, 1.0),
    )


def _tree_rows(
    r: SeedRandom,
    seeds: np.ndarray,
    horizon: np.ndarray,
    lake: np.ndarray,
    plain: Hill,
    hills: list[Hill],
    season: np.ndarray,
) -> list[TreeRow]:
    conifer_p = np.asarray([0.9, 0.5, 0.12])[r.choice("trees.mix", (1.0, 1.0, 0.8))]
    conifer_p = np.where(season == 2, np.maximum(conifer_p, 0.8), conifer_p)
    # a forest along the far shore or on the plain, dense and small
    n0 = TREELINE_TREES
    start = r.uniform("forest.start", -0.2, 0.7)
    length = r.uniform("forest.len", 0.2, 1.2)
    slots = (np.arange(n0)[None, :] + r.uniform("forest.jit", -0.4, 0.4, n0)) / n0
    x0 = start[:, None] + length[:, None] * slots
    keep = r.chance("forest", 0.55)[:, None] & r.chance("forest.gap", 0.88, n0)
    ground0 = np.where(lake[:, None], horizon[:, None], plain.height(seeds, x0))
    size0 = r.uniform("forest.size", 0.025, 0.05) * (0.9 + 0.6 * length / 1.2)
    rows = [_tree_row(r, "forest", n0, keep, x0, ground0, size0, conifer_p, season)]
    sizes = (r.uniform("trees0.size", 0.05, 0.09), r.uniform("trees1.size", 0.1, 0.24))
    for k, (hill, count) in enumerate(zip(hills, HILL_TREES, strict=True)):
        name = f"trees{k}"
        x = r.uniform(name + ".x", -0.05, 1.05, count)
        n_trees = np.floor(r.unit(name + ".count") ** 1.3 * (count + 1))
        active = (np.arange(count)[None, :] < n_trees[:, None]) & hill.active[:, None]
        active &= r.chance(name, 0.75)[:, None]
        ground = hill.height(seeds, x)
        rows.append(_tree_row(r, name, count, active, x, ground, sizes[k], conifer_p, season))
    return rows


def make_scene(seeds: np.ndarray) -> Scene:
    """Draw every parameter of the scenes with these (uint64) seeds."""
    r = SeedRandom(seeds)
    dusk = r.chance("dusk", 0.35)
    season = r.choice("season", (0.55, 0.27, 0.18))
    lake = r.chance("lake", 0.45)
    horizon = r.uniform("horizon", 0.56, 0.72) - np.where(lake, 0.05, 0.0)
    sun_y = np.where(
        dusk, horizon - r.uniform("sun.ydusk", 0.1, 0.3), r.uniform("sun.yday", 0.08, 0.3)
    )
    sun_r = np.where(dusk, r.uniform("sun.rdusk", 0.04, 0.065), r.uniform("sun.rday", 0.028, 0.045))
    snowy = (season == 2)[:, None]  # snow stays white: no tint
    grass = pal.season_colour(
        r, "grass", pal.GRASS, season, np.where(snowy, 0.08, 0.22), np.where(snowy, 0.0, 0.22)
    )
    plain, hills = _hills(r, horizon, lake)
    return Scene(
        seeds=seeds,
        dusk=dusk,
        season=season,
        horizon=horizon,
        lake=lake,
        sun_x=r.uniform("sun.x", 0.1, 0.9),
        sun_y=sun_y,
        sun_r=sun_r,
        moon_phase=r.unit("moon.face", 4),
        ridges=_ridges(r, horizon, season, grass),
        clouds=_clouds(r, horizon, dusk),
        plain=plain,
        hills=hills,
        tree_rows=_tree_rows(r, seeds, horizon, lake, plain, hills, season),
        grass=grass,
        photo=pal.photo_palette(r, dusk),
        night=pal.night_palette(r),
    )
