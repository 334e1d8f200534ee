"""Checking the `box` and `zoom` arguments of the crop tool and mapping boxes to original pixels.

Every problem a model can fix raises `ToolError` with the value it sent, the valid range and the
size of the image (or earlier crop) the box refers to, in the model's own coordinate convention.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from pix2fact.tools.base import ToolError

CoordinateSystem = Literal["pixels", "norm1000"]

# A requested output larger than this (before fitting to the model's limits) means the model
# misunderstands `zoom`, so it is rejected instead of being silently shrunk.
MAX_REQUESTED_OUTPUT_PIXELS = 50_000_000

_NAMES = {
    "pixels": ("left", "top", "right", "bottom"),
    "norm1000": ("ymin", "xmin", "ymax", "xmax"),
}


@dataclass(frozen=True)
class Frame:
    """An image a box can refer to: the original image, the overview or an earlier crop.

    Attributes:
        name: How messages refer to it ("the image", "crop c2").
        width: Width of the image shown to the model (the returned image for a crop).
        height: Height of the image shown to the model.
        origin: The region it shows, in original-image pixels (left, top, right, bottom).
    """

    name: str
    width: int
    height: int
    origin: tuple[int, int, int, int]

    def describe(self, coords: CoordinateSystem) -> str:
        if coords == "norm1000":
            return f"{self.name} ({self.width}x{self.height} px; box is [ymin, xmin, ymax, xmax] in 0-1000)"
        return f"{self.name} ({self.width}x{self.height} px; valid x 0-{self.width}, y 0-{self.height})"

    def to_original(self, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        """Map a box in this frame's pixels to original-image pixels."""
        left, top, right, bottom = self.origin
        scale_x = (right - left) / self.width
        scale_y = (bottom - top) / self.height
        return (
            left + box[0] * scale_x,
            top + box[1] * scale_y,
            left + box[2] * scale_x,
            top + box[3] * scale_y,
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_box(raw: Any, coords: CoordinateSystem, frame: Frame) -> tuple[tuple[float, float, float, float], bool]:
    """Validate a model's `box` and return it in `frame` pixels, clamped to the frame.

    Args:
        raw: The `box` argument as parsed from JSON.
        coords: "pixels" for [left, top, right, bottom] in frame pixels, or "norm1000" for
            [ymin, xmin, ymax, xmax] in 0-1000 units of the frame.
        frame: The image the box refers to.

    Returns:
        ((left, top, right, bottom) in frame pixels, whether the box was clamped to the frame).

    Raises:
        ToolError: The box is not 4 finite numbers, is inverted or empty, or lies entirely
            outside the frame.
    """
    names = _NAMES[coords]
    shape = f"[{', '.join(names)}]"
    where = frame.describe(coords)

    if not isinstance(raw, (list, tuple)) or len(raw) != 4:
        raise ToolError(f"box must be a list of 4 numbers {shape} for {where}; got {raw!r}")
    for name, value in zip(names, raw):
        if not _is_number(value):
            raise ToolError(f"box {name} must be a number; got {value!r} in box {list(raw)!r} for {where}")
        if not math.isfinite(value):
            raise ToolError(f"box {name} must be a finite number; got {value!r} in box {list(raw)!r} for {where}")

    if coords == "norm1000":
        ymin, xmin, ymax, xmax = (float(value) for value in raw)
        pairs = (("xmin", xmin, "xmax", xmax), ("ymin", ymin, "ymax", ymax))
        limit_x = limit_y = 1000.0
    else:
        xmin, ymin, xmax, ymax = (float(value) for value in raw)
        pairs = (("left", xmin, "right", xmax), ("top", ymin, "bottom", ymax))
        limit_x, limit_y = float(frame.width), float(frame.height)

    for low_name, low, high_name, high in pairs:
        if high < low:
            raise ToolError(
                f"box is inverted: {high_name} ({high:g}) must be greater than {low_name} ({low:g}); "
                f"send {shape} for {where}"
            )
        if high == low:
            raise ToolError(
                f"box has zero area: {low_name} and {high_name} are both {low:g}; "
                f"send {shape} with {high_name} > {low_name} for {where}"
            )

    if xmax <= 0 or ymax <= 0 or xmin >= limit_x or ymin >= limit_y:
        raise ToolError(f"box {list(raw)!r} lies entirely outside {where}; send a box that overlaps it")

    clamped_box = (max(0.0, xmin), max(0.0, ymin), min(limit_x, xmax), min(limit_y, ymax))
    clamped = clamped_box != (xmin, ymin, xmax, ymax)

    if coords == "norm1000":
        scale_x = frame.width / 1000.0
        scale_y = frame.height / 1000.0
        clamped_box = (
            clamped_box[0] * scale_x,
            clamped_box[1] * scale_y,
            clamped_box[2] * scale_x,
            clamped_box[3] * scale_y,
        )
    return clamped_box, clamped


def snap_to_pixels(box: tuple[float, float, float, float], width: int, height: int) -> tuple[int, int, int, int]:
    """Round a box outward to whole pixels inside a width x height image, at least 1 px each way."""
    left = min(max(0, math.floor(box[0] + 1e-6)), width - 1)
    top = min(max(0, math.floor(box[1] + 1e-6)), height - 1)
    right = max(min(width, math.ceil(box[2] - 1e-6)), left + 1)
    bottom = max(min(height, math.ceil(box[3] - 1e-6)), top + 1)
    return left, top, right, bottom


def choose_zoom(
    raw: Any, box_size: tuple[int, int], image_size: tuple[int, int], max_zoom: float, max_side: int
) -> tuple[float, tuple[int, int], str]:
    """Validate `zoom` and return (zoom used, output size, note for the model).

    Without a zoom, the crop is shown as large as `max_side` allows, up to `max_zoom`. A zoom
    whose output would exceed `max_side` is reduced to fit, and the note reports the change.

    Raises:
        ToolError: The zoom is not a number, not positive, above `max_zoom`, or asks for an
            output of more than `MAX_REQUESTED_OUTPUT_PIXELS`.
    """
    width, height = box_size
    fit_zoom = max_side / max(width, height)
    note = ""
    where = f"a {width}x{height} px box of the {image_size[0]}x{image_size[1]} image"

    if raw is None:
        zoom = min(max_zoom, fit_zoom)
    else:
        if not _is_number(raw) or not math.isfinite(raw):
            raise ToolError(f"zoom must be a number between 0 and {max_zoom:g}; got {raw!r} for {where}")
        if raw <= 0 or raw > max_zoom:
            raise ToolError(
                f"zoom must be greater than 0 and at most {max_zoom:g} (output pixels per original "
                f"pixel); got {raw!r} for {where}. Omit zoom to show the box as large as allowed"
            )
        requested = round(width * raw) * round(height * raw)
        if requested > MAX_REQUESTED_OUTPUT_PIXELS:
            raise ToolError(
                f"zoom {raw:g} on {where} asks for {requested:,} output pixels "
                f"(limit {MAX_REQUESTED_OUTPUT_PIXELS:,}); use a smaller zoom or box"
            )
        zoom = float(raw)
        if zoom > fit_zoom:
            note = f"zoom {raw:g} reduced to {fit_zoom:.3g} so the longest side fits {max_side} px"
            zoom = fit_zoom

    output = (max(1, round(width * zoom)), max(1, round(height * zoom)))
    if max(output) > max_side:
        # Rounding can overshoot by a pixel.
        output = (min(output[0], max_side), min(output[1], max_side))
    return zoom, output, note
