"""Compositing onto a batch of images: anti-aliased layers from signed distances.

Each layer of a landscape is a region whose signed distance to its edge (in
pixels, positive inside) is known analytically. The same distance gives the
layer's coverage (a smoothstep about 1 px wide: anti-aliasing without
supersampling), its class in the label map (coverage > 1/2), and its outline in
the sketch (pixels within a stroke's half-width of the edge), so the photo, label
map and sketch are aligned by construction.

Images are planar float32 (3, N, H, W): NumPy loops over the last axis, so keeping
the colour channel out of it keeps every operation a long contiguous loop. Layers
touch only the rows their region can reach, and blending is exact at coverage 0
and 1, so how scenes are grouped into chunks never changes a pixel.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from ganpaint.landscapes.palette import Palette

F32 = np.float32
MAX_SLOPE = 8.0  # steeper edges are treated as this steep (distances stay finite)
Planes = Sequence[np.ndarray]
# colour(kind, palette, rows) -> three float32 arrays broadcastable to (N, rows, W)
ColourFn = Callable[[str, Palette, "Rows"], Planes]


def pixel_centres(size: int) -> np.ndarray:
    """Scene coordinates (0..1) of the centres of `size` pixels along one axis."""
    return (np.arange(size, dtype=np.float64) + 0.5) / size


def column_slope(profile: np.ndarray) -> np.ndarray:
    """d(profile)/dx per column of an (N, W) profile, in scene units."""
    if profile.shape[1] < 2:
        return np.zeros_like(profile)
    return np.gradient(profile, 1.0 / profile.shape[1], axis=1)


class Edge:
    """A profile y = top(x) prepared for distances: d = y · scale − offset per column.

    By default d is the signed pixel distance below the edge, divided by sqrt(1 + slope²)
    so that it measures distance to the (locally straight) edge: steep edges come out as
    soft as flat ones. Preparing (N, W) float32 arrays once keeps painting to two passes.
    """

    def __init__(
        self,
        top: np.ndarray,
        size: int,
        slope: np.ndarray | None = None,
        *,
        scale: np.ndarray | float | None = None,
    ) -> None:
        factor = np.ones(top.shape)
        if scale is None:
            k = np.full(top.shape, float(size))
            if slope is not None:
                factor = np.sqrt(1.0 + np.minimum(slope * slope, MAX_SLOPE**2))
                k /= factor
        else:
            k = np.broadcast_to(np.asarray(scale, dtype=np.float64), top.shape)
        self.top = top
        self.size = size
        #: per column, vertical pixels per pixel of edge distance (more on steep edges)
        self.stretch = factor
        self.scale = k.astype(F32)
        self.offset = (top * k).astype(F32)

    def first(self, part: slice, reach: float) -> np.ndarray:
        """Per scene in `part`, the highest pixel row (a float) within `reach` of the edge."""
        return np.min(self.top[part] * self.size - reach * self.stretch[part], axis=1)

    def last(self, part: slice, reach: float) -> np.ndarray:
        """Per scene in `part`, the lowest pixel row (a float) within `reach` of the edge."""
        return np.max(self.top[part] * self.size + reach * self.stretch[part], axis=1)

    def below(self, ys: np.ndarray, part: slice) -> np.ndarray:
        """(n, rows, W) distances below the edge at row coordinates `ys` ((1 or n, rows))."""
        d = ys[:, :, None] * self.scale[part, None, :]
        d -= self.offset[part, None, :]
        return d

    def above(self, ys: np.ndarray, part: slice) -> np.ndarray:
        """(n, rows, W) distances above the edge: positive where y < top."""
        return self.offset[part, None, :] - ys[:, :, None] * self.scale[part, None, :]


class Window:
    """Rows of each scene's own band: `height` rows from `start[i]` in scene i.

    Thin, scattered things (a cloud, the sun, a row of trees) cover few rows of each
    scene but different ones; painting per-scene windows instead of the rows of all
    of them together saves most of the work, for one gather and one scatter.
    """

    def __init__(self, start: np.ndarray, height: int, centres: np.ndarray) -> None:
        self.start = start
        self.height = height
        self.centres = centres
        self.rows = start[:, None] + np.arange(height)  # (n, height)
        self.ys = centres[self.rows]  # row centres in scene units, float32
        self.index = (np.arange(len(start))[:, None], self.rows)

    def head(self, height: int) -> Window:
        """The first `height` rows of every scene's window."""
        return Window(self.start, max(0, min(height, self.height)), self.centres)


Rows = slice | Window


def smoothstep_coverage(d: np.ndarray) -> np.ndarray:
    """Coverage of a pixel whose centre lies `d` pixels inside an edge: 0 → 1 over d ∈ [-½, ½]."""
    t = d + F32(0.5)
    np.clip(t, F32(0.0), F32(1.0), out=t)
    ramp = t * F32(-2.0)
    ramp += F32(3.0)
    t *= t
    t *= ramp
    return t


def colour3(values: np.ndarray) -> list[np.ndarray]:
    """(N, 3) colours to three float32 (N, 1, 1) planes that broadcast over an image band."""
    v = np.asarray(values, dtype=F32)
    return [v[:, c, None, None] for c in range(3)]


def columns3(planes: np.ndarray) -> list[np.ndarray]:
    """(3, N, W) per-column colours to three float32 (N, 1, W) planes."""
    v = np.asarray(planes, dtype=F32)
    return [v[c][:, None, :] for c in range(3)]


def planes(values: np.ndarray) -> np.ndarray:
    """(N, 3) colours as (3, N, 1): colour maths on per-column arrays stays planar (fast)."""
    return np.asarray(values, dtype=np.float64).T[:, :, None]


class Canvas:
    """The requested outputs of a few scenes (few enough to stay in cache), back to front."""

    def __init__(self, n: int, size: int, kinds: Sequence[str], palettes: dict[str, Palette]):
        self.n = n
        self.size = size
        self.xs = pixel_centres(size)
        self.ys = self.xs
        self.ys32 = self.ys.astype(F32)
        self.images: dict[str, np.ndarray] = {
            kind: np.zeros((3, n, size, size), dtype=F32)
            for kind in ("day", "night")
            if kind in kinds
        }
        self.palettes = {kind: palettes[kind] for kind in self.images}
        self.labels = np.zeros((n, size, size), dtype=np.uint8) if "labels" in kinds else None
        self.ink = np.zeros((n, size, size), dtype=F32) if "sketch" in kinds else None
        # strokes about 1.2 px wide at 64 px, growing slowly with resolution like a pen would
        self.stroke = F32(0.55 + size / 512.0)

    # --- geometry helpers -------------------------------------------------------------
    def reach(self, soft: float = 1.0) -> float:
        """Pixels (of edge distance) beyond an edge that painting can still change.

        Coverage is zero below -soft/2 and strokes end at their half-width: outside this
        reach a layer changes nothing, so skipping those rows is exact.
        """
        stroke = self.stroke + 0.5 if self.ink is not None else 0.5
        return max(0.5 * soft, float(stroke)) + 0.25

    def span(self, first: float, last: float) -> slice:
        """The rows from pixel coordinate `first` to `last` (row centres at i + ½), clipped."""
        s = self.size
        r0 = min(max(math.floor(first - 0.5), 0), s)
        r1 = min(max(math.ceil(last + 0.5), r0), s)
        return slice(r0, r1)

    def rows(
        self, top: np.ndarray | float, bottom: np.ndarray | float = 9.0, margin: float = 1.0
    ) -> slice:
        """Rows within `margin` pixels of the region from `top` to `bottom` (scene y)."""
        s = self.size
        return self.span(float(np.min(top)) * s - margin, float(np.max(bottom)) * s + margin)

    def window(self, first: np.ndarray, last: np.ndarray) -> Window:
        """Each scene's rows from pixel coordinate first[i] to last[i], as one Window."""
        s = self.size
        r0 = np.clip(np.floor(first - 0.5), 0, s).astype(np.intp)
        r1 = np.clip(np.ceil(last + 0.5), r0, s).astype(np.intp)
        height = int(np.max(r1 - r0, initial=0))
        return Window(np.minimum(r0, s - height), height, self.ys32)

    def edge_window(self, top: Edge, bottom: Edge, part: slice, soft: float = 1.0) -> Window:
        """Each scene's rows that the region between two edges can touch."""
        reach = self.reach(soft)
        return self.window(top.first(part, reach), bottom.last(part, reach))

    def _ys(self, rows: Rows) -> np.ndarray:
        return rows.ys if isinstance(rows, Window) else self.ys32[None, rows]

    def below(self, edge: Edge, rows: Rows, part: slice) -> np.ndarray:
        """Signed distance below `edge` for the scenes `part`, across `rows`: (n, rows, W)."""
        return edge.below(self._ys(rows), part)

    def above(self, edge: Edge, rows: Rows, part: slice) -> np.ndarray:
        """Signed distance above `edge`: positive where y < top."""
        return edge.above(self._ys(rows), part)

    # --- painting ----------------------------------------------------------------------
    def layer(
        self,
        rows: Rows,
        d: np.ndarray,
        cls: int,
        colour: ColourFn,
        *,
        soft: float = 1.0,
        opacity: float = 1.0,
        line: bool = True,
    ) -> None:
        """Paint one region, given its signed distance `d` in pixels over `rows`.

        `soft` widens the colour edge (clouds); labels and strokes stay on the exact edge.
        `opacity` lets the colour through partially; the region still hides the strokes
        behind it and owns its label.
        """
        window = isinstance(rows, Window)
        if (rows.height if window else rows.stop - rows.start) <= 0:
            return
        hard = smoothstep_coverage(d)
        paint = hard if soft == 1.0 else smoothstep_coverage(d * F32(1.0 / soft))
        if opacity != 1.0:
            paint *= F32(opacity)
        if self.images:
            keep = F32(1.0) - paint
            for kind, image in self.images.items():
                planes = colour(kind, self.palettes[kind], rows)
                if window:  # gather each scene's rows, paint, scatter them back
                    band = image[(slice(None), *rows.index)]
                    self.over(band, paint, keep, planes)
                    image[(slice(None), *rows.index)] = band
                else:
                    self.over(image[:, :, rows], paint, keep, planes)
        index = rows.index if window else (slice(None), rows)
        if self.labels is not None:
            labels = self.labels[index]
            np.copyto(labels, np.uint8(cls), where=hard > F32(0.5))
            if window:
                self.labels[index] = labels
        if self.ink is not None:
            ink = self.ink[index]
            ink *= F32(1.0) - hard
            if line:
                stroke = np.abs(d)
                np.subtract(self.stroke + F32(0.5), stroke, out=stroke)
                np.clip(stroke, F32(0.0), F32(1.0), out=stroke)
                np.maximum(ink, stroke, out=ink)
            if window:
                self.ink[index] = ink

    @staticmethod
    def over(band: np.ndarray, alpha: np.ndarray, keep: np.ndarray, colour: Planes) -> None:
        """band ← band · (1 − alpha) + colour · alpha: exact where alpha is 0 or 1."""
        for c in range(3):
            channel = band[c]
            channel *= keep
            channel += np.multiply(colour[c], alpha, dtype=F32)

    def add(self, kind: str, rows: slice, planes: Planes) -> None:
        """Add light (stars) to one kind of image."""
        band = self.images[kind][:, :, rows]
        for c in range(3):
            band[c] += planes[c]

    # --- output --------------------------------------------------------------------------
    def rgb8(self, kind: str) -> np.ndarray:
        """The float planes of `kind` as uint8 (N, H, W, 3)."""
        out = np.empty((self.n, self.size, self.size, 3), dtype=np.uint8)
        for c in range(3):
            plane = self.images[kind][c]
            plane *= F32(255.0)
            plane += F32(0.5)
            np.clip(plane, F32(0.0), F32(255.0), out=plane)
            out[..., c] = plane
        return out

    def sketch8(self) -> np.ndarray:
        """Dark strokes on white, as uint8 (N, H, W, 3)."""
        value = self.ink * F32(-255.0)
        value += F32(255.5)
        np.clip(value, F32(0.0), F32(255.0), out=value)
        return np.repeat(value.astype(np.uint8)[..., None], 3, axis=-1)
