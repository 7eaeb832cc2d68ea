"""The land's layers: mountain ridges, the lake with its reflection, hills and the plain."""

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
    column_slope,
    columns3,
    pixel_centres,
    planes,
    smoothstep_coverage,
)
from ganpaint.landscapes.scene import Hill, Ridge, Scene, take
from ganpaint.landscapes.sky import BOTTOM_MARGIN

FAR = 9.0
PLAIN_RISE = 0.03  # the plain never rises more than this above the horizon
RIDGE_FADE = 0.2  # scene units below a ridge line over which light gives way to mist
HILL_SHADE = 0.25  # scene units over which a hill darkens towards its foot

Palettes = dict[str, pal.Palette]


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    return a + (b - a) * t


def _lit(sun_x: np.ndarray, xs: np.ndarray, slope: np.ndarray, strength: float) -> np.ndarray:
    """Brightness per column: faces turned towards the sun (or moon) are lighter."""
    side = np.clip((xs[None, :] - sun_x[:, None]) / 0.2, -1.0, 1.0)
    return 1.0 + strength * np.tanh(-slope * side)


def _profiles(
    s: Scene, params: Ridge | Hill, active: np.ndarray, xs: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """A ridge's or hill's (top, broad) profiles, computed only where it exists (else FAR)."""
    on = np.flatnonzero(active)
    top = np.full((active.shape[0], size), FAR)
    broad = np.full((active.shape[0], size), FAR)
    top[on], broad[on] = take(params, on).profile(s.seeds[on], xs[None, :], size)
    return top, broad


@dataclass
class RidgeLayer:
    """A mountain ridge: lit by slope at the top, hazed with distance, misty at its foot.

    The colour is `near + step · depth` per column, depth running from 0 at the ridge line
    to 1 at RIDGE_FADE below it; snow caps blend towards the same ramp in white.
    """

    edge: Edge
    depth: Edge
    near: dict[str, np.ndarray]  # per kind, (3, N, W) float32
    step: dict[str, np.ndarray]
    snow: Edge | None  # the snowline, snow above it; None for a chunk without snow
    white: dict[str, np.ndarray]
    white_step: dict[str, np.ndarray]
    floor: np.ndarray  # (N,) the lake or plain covers each scene below this

    @classmethod
    def prepare(cls, s: Scene, ridge: Ridge, size: int, palettes: Palettes) -> RidgeLayer | None:
        if not np.any(ridge.active):
            return None
        xs = pixel_centres(size)
        top, broad = _profiles(s, ridge, ridge.active, xs, size)
        lit = _lit(s.sun_x, xs, 0.6 * column_slope(broad), 0.25) - 1.0
        haze = 0.78 * ridge.depth[:, None]
        mist = 0.25 + 0.3 * ridge.depth[:, None]

        def ends(albedo: np.ndarray, p: pal.Palette) -> tuple[np.ndarray, np.ndarray]:
            """Colour at the ridge line, and the change from there to fully misty: (3, N, W)."""
            flat = albedo * planes(p.light)
            horizon = planes(p.horizon)
            hazed = _lerp(flat, horizon, haze)
            near = hazed + flat * (1.0 - haze) * lit
            far = _lerp(hazed, horizon, mist)
            return near.astype(F32), (far - near).astype(F32)

        near, step, white, white_step = {}, {}, {}, {}
        for kind, p in palettes.items():
            near[kind], step[kind] = ends(planes(ridge.albedo), p)
        snow = None
        if np.any(ridge.snow):
            on = np.flatnonzero(ridge.snow)
            line = np.full(top.shape, -FAR)
            line[on] = take(ridge, on).snow_height(s.seeds[on], xs[None, :], size)
            line = np.where(line > top, line, -FAR)
            snow = Edge(line, size, column_slope(line))
            for kind, p in palettes.items():
                white[kind], white_step[kind] = ends(np.asarray(pal.SNOW)[:, None, None], p)
        return cls(
            edge=Edge(top, size, column_slope(top)),
            depth=Edge(top, size, scale=1.0 / RIDGE_FADE),
            near=near,
            step=step,
            snow=snow,
            white=white,
            white_step=white_step,
            floor=s.horizon + PLAIN_RISE,
        )

    def paint(self, c: Canvas, part: slice) -> None:
        reach = c.reach()
        rows = c.window(self.edge.first(part, reach), self.floor[part] * c.size + BOTTOM_MARGIN)
        if rows.height == 0:
            return
        d = c.below(self.edge, rows, part)
        depth = c.below(self.depth, rows, part)
        np.clip(depth, F32(0.0), F32(1.0), out=depth)
        snow = sub = None
        if self.snow is not None:
            last = np.ceil(self.snow.last(part, reach) + 0.5).astype(np.intp)
            snow_rows = rows.head(int(np.max(last - rows.start)))
            if snow_rows.height > 0:
                snow = smoothstep_coverage(c.above(self.snow, snow_rows, part))
                sub = slice(0, snow_rows.height)

        def colour(kind: str, p: pal.Palette, rows: Rows) -> list[np.ndarray]:
            near, step = columns3(self.near[kind][:, part]), columns3(self.step[kind][:, part])
            out = [near[ch] + step[ch] * depth for ch in range(3)]
            if snow is not None:
                white = columns3(self.white[kind][:, part])
                white_step = columns3(self.white_step[kind][:, part])
                for ch in range(3):
                    band = out[ch][:, sub]
                    band += (white[ch] + white_step[ch] * depth[:, sub] - band) * snow
            return out

        c.layer(rows, d, L.MOUNTAIN, colour)


@dataclass
class LakeLayer:
    """A lake from the far shore down: the scene above, mirrored, rippled and tinted."""

    shore: np.ndarray  # (N,): FAR without a lake
    ripple: np.ndarray  # (N,) phase

    def paint(self, c: Canvas, part: slice) -> None:
        shore = self.shore[part]
        if not np.any(shore < 1.0):
            return
        rows = c.rows(shore, margin=c.reach())
        size = c.size
        ys = c.ys[rows][None, :]
        below = ys - shore[:, None]  # (N, rows) scene units below the shore
        depth = np.maximum(below, 0.0)
        d = (below * size).astype(F32)[:, :, None]
        # ripples are regular on the water, so their phase goes as 1/distance below the horizon
        phase = 0.9 / (depth + 0.015) + 6.283 * self.ripple[part, None]
        wobble = 0.02 * (depth + 0.01) * np.sin(phase) * size  # in pixels
        src = 2.0 * shore[:, None] * size - (np.arange(rows.start, rows.stop) + 0.5) + wobble
        src = np.clip(np.rint(src - 0.5), 0, size - 1).astype(np.intp)  # (N, rows)
        image_index = np.arange(shore.shape[0])[:, None]
        fresnel = np.clip(depth / np.maximum(1.0 - shore[:, None], 0.05), 0.0, 1.0)
        tint = 0.18 + 0.5 * fresnel + 0.05 * np.sin(phase * 1.7)
        keep = (0.88 * (1.0 - tint)).astype(F32)[:, :, None]

        def colour(kind: str, p: pal.Palette, rows: Rows) -> list[np.ndarray]:
            image = c.images[kind]
            water = p.water * 0.6 + p.horizon * 0.12
            out = []
            for ch in range(3):
                mirrored = image[ch][image_index, src]  # whole rows: a fast gather
                mirrored *= keep
                mirrored += (water[:, ch, None] * tint).astype(F32)[:, :, None]
                out.append(mirrored)
            return out

        c.layer(rows, d, L.WATER, colour)


@dataclass
class HillLayer:
    """A grassy hill (or the plain), lit by slope, darker towards its foot."""

    edge: Edge
    shade: Edge
    lawn: dict[str, np.ndarray]  # per kind, (3, N, W) float32

    @classmethod
    def prepare(cls, s: Scene, hill: Hill, size: int, palettes: Palettes) -> HillLayer | None:
        if not np.any(hill.active):
            return None
        xs = pixel_centres(size)
        top, broad = _profiles(s, hill, hill.active, xs, size)
        if hill is s.plain:  # keeps the promise that nothing is visible below `bottom`
            top = np.minimum(top, np.where(hill.active, s.horizon + PLAIN_RISE, FAR)[:, None])
        lit = _lit(s.sun_x, xs, column_slope(broad), 0.25)
        haze = hill.haze[:, None]
        lawn = {
            kind: _lerp(planes(s.grass) * planes(p.light) * lit, planes(p.horizon), haze)
            for kind, p in palettes.items()
        }
        return cls(
            edge=Edge(top, size, column_slope(top)),
            shade=Edge(top, size, scale=1.0 / HILL_SHADE),
            lawn={kind: v.astype(F32) for kind, v in lawn.items()},
        )

    def paint(self, c: Canvas, part: slice) -> None:
        rows = c.span(float(np.min(self.edge.first(part, c.reach()))), c.size)
        if rows.start >= rows.stop:
            return
        d = c.below(self.edge, rows, part)
        shade = c.below(self.shade, rows, part)
        np.clip(shade, F32(0.0), F32(1.0), out=shade)
        shade *= F32(-0.3)
        shade += F32(1.0)

        def colour(kind: str, p: pal.Palette, rows: Rows) -> list[np.ndarray]:
            return [plane * shade for plane in columns3(self.lawn[kind][:, part])]

        c.layer(rows, d, L.GRASS, colour)


def ridge_layers(s: Scene, size: int, palettes: Palettes) -> list[RidgeLayer]:
    layers = [RidgeLayer.prepare(s, ridge, size, palettes) for ridge in s.ridges]
    return [layer for layer in layers if layer is not None]


def lake_layer(s: Scene) -> LakeLayer | None:
    if not np.any(s.lake):
        return None
    return LakeLayer(np.where(s.lake, s.horizon, FAR), s.moon_phase[:, 0])


def hill_layer(s: Scene, hill: Hill, size: int, palettes: Palettes) -> HillLayer | None:
    return HillLayer.prepare(s, hill, size, palettes)
