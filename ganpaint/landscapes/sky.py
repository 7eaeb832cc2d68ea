"""The sky's layers: gradient and glow, stars, the sun or moon, and clouds.

Each layer is prepared once per chunk of scenes (per-column profiles, cheap) and
then painted onto small sub-chunks of images (per pixel, cache-sized).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganpaint import labels as L
from ganpaint.landscapes.hashrand import hash_index, hash_stream, to_unit
from ganpaint.landscapes.palette import Palette
from ganpaint.landscapes.raster import F32, MAX_SLOPE, Canvas, Edge, Rows, colour3, pixel_centres
from ganpaint.landscapes.scene import Cloud, Scene

FAR = 9.0  # a profile value below the image: "nothing in this column"
STAR_GRID = 60  # star cells per image width
GLOW_WIDTH = 0.3  # scene units at which the broad glow around the sun has halved
# Pixels below `bottom` that the lake or plain may leave partly uncovered: the plain's
# coverage reaches 1 within half a pixel of edge distance, at most MAX_SLOPE-fold stretched.
BOTTOM_MARGIN = 0.5 * (1.0 + MAX_SLOPE**2) ** 0.5 + 1.0


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    return a + (b - a) * t


@dataclass
class SkyLayer:
    """A three-stop vertical gradient (zenith, middle, horizon) plus the glow around the sun."""

    horizon: np.ndarray
    sun_x: np.ndarray
    sun_y: np.ndarray
    sun_r: np.ndarray
    bottom: float  # nothing below this is visible behind the lake or plain

    def paint(self, c: Canvas, part: slice) -> None:
        rows = c.span(0.0, self.bottom * c.size + BOTTOM_MARGIN)
        ys = c.ys[rows][None, :]
        t = np.clip(ys / self.horizon[part, None], 0.0, 1.0)[:, :, None, None]
        lower = np.clip((t - 0.55) / 0.45, 0.0, 1.0)
        upper = np.clip(t / 0.55, 0.0, 1.0) ** 0.8
        dx = (c.xs[None, :] - self.sun_x[part, None]).astype(F32)[:, None, :]
        dy = (ys - self.sun_y[part, None]).astype(F32)[:, :, None]
        r2 = dx * dx + dy * dy
        g_near = r2 * (1.0 / (2.5 * self.sun_r[part]) ** 2).astype(F32)[:, None, None]
        g_near += F32(1.0)
        np.reciprocal(g_near, out=g_near)
        g_far = r2
        g_far *= F32(1.0 / GLOW_WIDTH**2)
        g_far += F32(1.0)
        np.reciprocal(g_far, out=g_far)
        for kind, image in c.images.items():
            p = c.palettes[kind]
            z, m, h = (v[:, None, None, :] for v in (p.zenith, p.mid, p.horizon))
            grad = _lerp(_lerp(z, m, upper), h, lower).astype(F32)  # (N, rows, 1, 3)
            band = image[:, :, rows]
            glow, haze = colour3(p.glow), colour3(p.haze_glow)
            for ch in range(3):
                np.multiply(g_near, glow[ch], out=band[ch])
                band[ch] += g_far * haze[ch]
                band[ch] += grad[..., ch]


@dataclass
class StarsLayer:
    """Night only: at most one star per cell of a fixed grid in scene units."""

    seeds: np.ndarray
    horizon: np.ndarray
    strength: np.ndarray
    bottom: float

    def paint(self, c: Canvas, part: slice) -> None:
        if "night" not in c.images:
            return
        rows = c.span(0.0, self.bottom * c.size + BOTTOM_MARGIN)
        g = STAR_GRID
        stream = hash_stream(self.seeds[part], "stars")[:, None, None]
        cells = np.arange(g * g).reshape(1, g, g)
        u = to_unit(hash_index(stream, cells))
        bright = np.where(u < 0.16, (u / 0.16) ** 2, 0.0).astype(F32)
        px = to_unit(hash_index(stream, cells + g * g)).astype(F32)
        py = to_unit(hash_index(stream, cells + 2 * g * g)).astype(F32)
        cx = np.minimum((c.xs * g).astype(np.intp), g - 1)
        cy = np.minimum((c.ys[rows] * g).astype(np.intp), g - 1)
        pick = (slice(None), cy[:, None], cx[None, :])
        fx = (c.xs * g - cx).astype(F32)[None, None, :] - px[pick]
        fy = (c.ys[rows] * g - cy).astype(F32)[None, :, None] - py[pick]
        radius_px = max(0.7, 0.0015 * c.size)
        dist = np.sqrt(fx * fx + fy * fy) * F32(c.size / g / radius_px)
        fade = np.clip((self.horizon[part, None] - c.ys[rows][None, :]) / 0.25, 0.0, 1.0)
        fade = (fade * self.strength[part, None]).astype(F32)[:, :, None]
        light = bright[pick] * np.clip(F32(1.0) - dist, F32(0.0), F32(1.0)) * fade
        c.add("night", rows, [light * F32(0.95), light * F32(0.95), light])


@dataclass
class SunLayer:
    """The sun (photo) or moon (night): the same disc, so both share the label geometry."""

    x: np.ndarray
    y: np.ndarray
    r: np.ndarray
    moon_face: np.ndarray  # (N, 4) offsets of the moon's maria

    def paint(self, c: Canvas, part: slice) -> None:
        x, y, r = self.x[part], self.y[part], self.r[part]
        reach = c.reach()
        rows = c.window((y - r) * c.size - reach, (y + r) * c.size + reach)
        if rows.height == 0:
            return
        dx = (c.xs[None, :] - x[:, None]) / r[:, None]  # in radii
        dy = (rows.ys - y[:, None]) / r[:, None]
        dx32, dy32 = dx.astype(F32)[:, None, :], dy.astype(F32)[:, :, None]
        rr = dx32 * dx32 + dy32 * dy32
        d = (F32(1.0) - np.sqrt(rr)) * (r * c.size).astype(F32)[:, None, None]
        face = self.moon_face[part]

        def colour(kind: str, p: Palette, rows: Rows) -> list[np.ndarray]:
            disc = colour3(p.sun)
            if not p.night:
                return disc
            # the moon: two dark maria and a darker limb
            shade = F32(1.0) - F32(0.12) * np.minimum(rr, F32(1.0))
            for k, (ox, oy, size) in enumerate(((-0.3, -0.2, 0.35), (0.25, 0.15, 0.3))):
                mx = (dx - ox - 0.2 * face[:, 2 * k, None]).astype(F32)[:, None, :]
                my = (dy - oy - 0.2 * face[:, 2 * k + 1, None]).astype(F32)[:, :, None]
                blob = F32(1.0) + (mx * mx + my * my) * F32(1.0 / size**2)
                shade -= F32(0.22) / (blob * blob)
            return [shade * disc[ch] for ch in range(3)]

        c.layer(rows, d, L.SUN, colour)


@dataclass
class CloudLayer:
    """A soft-edged cloud with a flat base, lit on top and shaded underneath."""

    top: Edge  # FAR where the cloud is absent
    base: Edge  # -FAR where the cloud is absent
    gradient: Edge  # 0 at the cloud's top, 1 at its base

    @classmethod
    def prepare(cls, clouds: list[Cloud], size: int) -> list[CloudLayer]:
        """The clouds as few layers as possible: clouds side by side share one layer.

        Each cloud goes one layer above the highest earlier cloud it overlaps (so overlaps
        keep their order); disjoint clouds share a layer, whose profile in each column is
        that of the one cloud there. Most skies then paint one or two layers, not four.
        """
        n = clouds[0].active.shape[0] if clouds else 0
        profiles = [_cloud_profile(cloud, size) for cloud in clouds]
        slot = np.full((len(clouds), n), -1)
        for j, cloud in enumerate(clouds):
            lo, hi = _extent(cloud)
            floor = np.zeros(n, dtype=np.intp)
            for i in range(j):
                lo_i, hi_i = _extent(clouds[i])
                overlap = clouds[i].active & (lo < hi_i) & (lo_i < hi)
                floor = np.where(overlap, np.maximum(floor, slot[i] + 1), floor)
            slot[j] = np.where(cloud.active, floor, -1)
        layers = []
        for level in range(len(clouds)):
            mine = slot == level  # (clouds, N)
            if not np.any(mine):
                break
            top = np.full((n, size), FAR)
            slope = np.zeros((n, size))
            base = np.full((n, size), -FAR)
            for j, (cloud_top, cloud_slope) in enumerate(profiles):
                here = mine[j][:, None] & (cloud_top < FAR)
                top = np.where(here, cloud_top, top)
                slope = np.where(here, cloud_slope, slope)
                base = np.where(here, clouds[j].base[:, None], base)
            layers.append(
                cls(
                    top=Edge(top, size, slope),
                    base=Edge(base, size),
                    gradient=Edge(top, size, scale=1.0 / np.maximum(base - top, 1e-3)),
                )
            )
        return layers

    def paint(self, c: Canvas, part: slice) -> None:
        soft = max(1.0, 0.012 * c.size)
        rows = c.edge_window(self.top, self.base, part, soft)
        if rows.height == 0:
            return
        d = c.below(self.top, rows, part)
        np.minimum(d, c.above(self.base, rows, part), out=d)
        v = c.below(self.gradient, rows, part)
        np.clip(v, F32(0.0), F32(1.0), out=v)

        def colour(kind: str, p: Palette, rows: Rows) -> list[np.ndarray]:
            lit, shade = colour3(p.cloud_lit), colour3(p.cloud_shade)
            return [lit[ch] + (shade[ch] - lit[ch]) * v for ch in range(3)]

        c.layer(rows, d, L.CLOUD, colour, soft=soft, opacity=0.93)


def _extent(cloud: Cloud) -> tuple[np.ndarray, np.ndarray]:
    """Each scene's leftmost and rightmost x of the cloud (a little beyond its bumps)."""
    left = (cloud.cx - cloud.radius).min(axis=1) - 0.01
    return left, (cloud.cx + cloud.radius).max(axis=1) + 0.01


def _cloud_profile(cloud: Cloud, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per column, the cloud's top edge (the union of its bumps; FAR where none) and slope."""
    n = cloud.active.shape[0]
    top = np.full((n, size), FAR)
    slope = np.zeros((n, size))
    on = cloud.active  # computed only for the scenes that have this cloud
    if not np.any(on):
        return top, slope
    cx, radius, base, flat = cloud.cx[on], cloud.radius[on], cloud.base[on], cloud.flat[on]
    # float32 is plenty for a cloud's outline, and twice as fast over (M, bumps, W)
    dx = pixel_centres(size).astype(F32)[None, None, :] - cx.astype(F32)[:, :, None]
    r = radius.astype(F32)[:, :, None]
    root = np.sqrt(np.maximum(r * r - dx * dx, F32(0.0)))
    base3 = base.astype(F32)[:, None, None]
    bump = base3 + F32(0.3) * r - flat.astype(F32)[:, None, None] * root
    bump = np.where((root > 0.0) & (bump < base3), bump, F32(FAR))
    best = np.argmin(bump, axis=1)[:, None, :]
    top[on] = np.take_along_axis(bump, best, axis=1)[:, 0]
    dx1 = np.take_along_axis(dx, best, axis=1)[:, 0]
    root1 = np.maximum(np.take_along_axis(root, best, axis=1)[:, 0], 1e-6)
    slope[on] = flat[:, None] * dx1 / root1
    return top, slope


def sky_layers(s: Scene, size: int, bottom: float) -> list:
    """The sky's layers of the scenes `s`, back to front."""
    layers: list = [
        SkyLayer(s.horizon, s.sun_x, s.sun_y, s.sun_r, bottom),
        StarsLayer(s.seeds, s.horizon, s.night.stars, bottom),
        SunLayer(s.sun_x, s.sun_y, s.sun_r, s.moon_phase),
    ]
    layers += CloudLayer.prepare(s.clouds, size)
    return [layer for layer in layers if layer is not None]
