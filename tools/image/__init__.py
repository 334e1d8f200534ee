"""The image tools a model uses to look at a task's photo: `view_image` and `crop`.

One `ImageTools` object serves one task. It decodes the image once (through the shared cache in
`image_decode`), numbers crops "c1", "c2", ... and remembers each crop's region, so a model can
crop inside an earlier crop by passing its id as `source`. Every crop result records the box it
really used in original-image pixels in `ToolResult.data["box"]`, which the judge compares with
the annotated regions.

Pillow work runs in a worker thread (`asyncio.to_thread`) so other tasks keep running.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Protocol, Sequence

from pix2fact.tools.base import ImageBlob, ImageLimits, Tool, ToolError, ToolResult, ToolSpec, require_keys
from pix2fact.tools.image.boxes import CoordinateSystem, Frame, choose_zoom, parse_box, snap_to_pixels
from pix2fact.tools.image.decode import (
    DECODED_IMAGES,
    DEFAULT_MAX_PIXELS,
    ImageLoadError,
    load_image,
    read_image_size,
)
from pix2fact.tools.image.encode import encode_jpeg, fit_within, render_region
from pix2fact.tools.image.specs import crop_spec, view_image_spec

__all__ = [
    "DECODED_IMAGES",
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_MAX_ZOOM",
    "ImageLoadError",
    "ImageTools",
    "crop_region",
    "load_image",
    "read_image_size",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_ZOOM = 8.0
OVERVIEW_ID = "overview"


class BoxLike(Protocol):
    """Anything with `as_list() -> [left, top, right, bottom]`, such as `pix2fact.tasks.model.Box`."""

    def as_list(self) -> list[float]: ...


def _render(path: Path, max_pixels: int, box: tuple[int, int, int, int], size: tuple[int, int],
            limits: ImageLimits, label: str) -> ImageBlob:
    image = load_image(path, max_pixels)
    return encode_jpeg(render_region(image, box, size), limits, label=label)


class ImageTools:
    """The `view_image` and `crop` tools for one task's image.

    Args:
        path: The task image (absolute, as resolved by the task loader).
        limits: The largest image the model accepts; overviews and crops are sized to fit.
        coords: "pixels": crop boxes are [left, top, right, bottom] in original pixels.
            "norm1000": crop boxes are [ymin, xmin, ymax, xmax] in 0-1000 units, the convention
            Gemini models are trained on.
        max_zoom: Largest zoom (output pixels per original pixel) a crop may request.
        max_pixels: Largest image (width x height) the tools will decode.
    """

    def __init__(
        self,
        path: Path | str,
        limits: ImageLimits | None = None,
        coords: CoordinateSystem = "pixels",
        max_zoom: float = DEFAULT_MAX_ZOOM,
        max_pixels: int = DEFAULT_MAX_PIXELS,
    ) -> None:
        if coords not in ("pixels", "norm1000"):
            raise ValueError(f"coords must be 'pixels' or 'norm1000'; got {coords!r}")
        if not max_zoom > 0:
            raise ValueError(f"max_zoom must be positive; got {max_zoom!r}")
        self.path = Path(path)
        self.limits = limits or ImageLimits()
        self.coords: CoordinateSystem = coords
        self.max_zoom = float(max_zoom)
        self.max_pixels = max_pixels
        self.frames: dict[str, Frame] = {}
        self._crop_count = 0
        self.view_image: Tool = _ViewImageTool(self)
        self.crop: Tool = _CropTool(self)

    @property
    def tools(self) -> list[Tool]:
        """Both tools, in the order a prompt should list them."""
        return [self.view_image, self.crop]

    async def size(self) -> tuple[int, int]:
        """Return (width, height) of the decoded image, decoding it on first use.

        Raises:
            ImageLoadError: The image cannot be decoded.
        """
        image = await asyncio.to_thread(load_image, self.path, self.max_pixels)
        return image.width, image.height

    async def overview(self) -> ToolResult:
        """Return what a `view_image` call returns, for loops that show the overview up front."""
        return await self.view_image.call({})

    async def render(self, box: tuple[int, int, int, int], size: tuple[int, int], label: str) -> ImageBlob:
        """Resample `box` (original pixels) to `size` and encode it within `limits`, off the event loop."""
        return await asyncio.to_thread(_render, self.path, self.max_pixels, box, size, self.limits, label)

    def frame_for(self, source: Any, width: int, height: int) -> Frame:
        """Return the frame a box refers to: the whole image, or the earlier result named by `source`."""
        if source is None:
            return Frame("the image", width, height, (0, 0, width, height))
        if not isinstance(source, str):
            raise ToolError(
                f"source must be a crop id string such as 'c1'; got {source!r}. Omit source to give "
                f"the box in original-image coordinates ({width}x{height} px)"
            )
        if source not in self.frames:
            known = ", ".join(self.frames) or "none yet"
            raise ToolError(
                f"unknown source {source!r}; ids you can use: {known}. Omit source to give the box "
                f"in original-image coordinates ({width}x{height} px)"
            )
        return self.frames[source]

    def next_crop_id(self) -> str:
        self._crop_count += 1
        return f"c{self._crop_count}"


class _ViewImageTool:
    def __init__(self, owner: ImageTools) -> None:
        self.owner = owner
        self.spec: ToolSpec = view_image_spec(owner.limits.max_side)

    async def call(self, arguments: dict[str, Any]) -> ToolResult:
        require_keys(arguments, self.spec.parameters)
        owner = self.owner
        width, height = await owner.size()

        size = fit_within(width, height, owner.limits.max_side)
        blob = await owner.render((0, 0, width, height), size, label=OVERVIEW_ID)
        owner.frames[OVERVIEW_ID] = Frame("the overview", blob.width, blob.height, (0, 0, width, height))

        scale = blob.width / width
        text = (
            f"The image is {width}x{height} px. This overview is scaled by {scale:.3g} to "
            f"{blob.width}x{blob.height} px, so fine details are lost: use crop to see them at full resolution."
        )
        if owner.coords == "norm1000":
            text += " Crop boxes are [ymin, xmin, ymax, xmax] in 0-1000 units of the whole image."
        else:
            text += (
                f" Crop boxes are in original pixels: multiply overview coordinates by {1 / scale:.4g}, "
                f"or pass source=\"{OVERVIEW_ID}\" to give the box in overview pixels."
            )
        data = {"image_size": [width, height], "output_size": [blob.width, blob.height], "scale": scale}
        return ToolResult(text=text, images=[blob], data=data)


class _CropTool:
    def __init__(self, owner: ImageTools) -> None:
        self.owner = owner
        self.spec: ToolSpec = crop_spec(owner.coords, owner.limits.max_side, owner.max_zoom)

    async def call(self, arguments: dict[str, Any]) -> ToolResult:
        require_keys(arguments, self.spec.parameters)
        owner = self.owner
        width, height = await owner.size()

        source = arguments.get("source")
        frame = owner.frame_for(source, width, height)
        frame_box, clamped = parse_box(arguments["box"], owner.coords, frame)
        box = snap_to_pixels(frame.to_original(frame_box), width, height)
        box_size = (box[2] - box[0], box[3] - box[1])
        zoom, size, zoom_note = choose_zoom(
            arguments.get("zoom"), box_size, (width, height), owner.max_zoom, owner.limits.max_side
        )

        crop_id = owner.next_crop_id()
        blob = await owner.render(box, size, label=f"crop {crop_id}")
        owner.frames[crop_id] = Frame(f"crop {crop_id}", blob.width, blob.height, box)
        # encode_jpeg may shrink the image further to fit max_bytes; report what was sent.
        zoom = blob.width / box_size[0]

        text = (
            f"Crop {crop_id}: box [{box[0]}, {box[1]}, {box[2]}, {box[3]}] in original pixels "
            f"({box_size[0]}x{box_size[1]} px of the {width}x{height} image), shown at zoom {zoom:.3g} "
            f"as {blob.width}x{blob.height} px."
        )
        if owner.coords == "norm1000":
            normalised = [
                round(box[1] * 1000 / height), round(box[0] * 1000 / width),
                round(box[3] * 1000 / height), round(box[2] * 1000 / width),
            ]
            text += f" In 0-1000 units of the whole image: {normalised}."
        if clamped:
            text += f" The requested box extended past the edge of {frame.name} and was clamped to it."
        if zoom_note:
            text += f" Note: {zoom_note}."
        text += f" Pass source=\"{crop_id}\" to crop inside this result using its pixel coordinates."

        data = {
            "crop_id": crop_id,
            "box": list(box),
            "requested_box": arguments["box"],
            "coords": owner.coords,
            "zoom": zoom,
            "requested_zoom": arguments.get("zoom"),
            "output_size": [blob.width, blob.height],
            "source": source,
        }
        logger.debug("crop %s of %s: box %s -> %dx%d", crop_id, owner.path.name, box, blob.width, blob.height)
        return ToolResult(text=text, images=[blob], data=data)


async def crop_region(
    path: Path | str,
    box: BoxLike | Sequence[float],
    pad_fraction: float = 0.0,
    limits: ImageLimits | None = None,
    *,
    max_zoom: float = 1.0,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> ImageBlob:
    """Render a fixed region of an image, for settings that show the model the annotated area.

    The Pillow work runs in a worker thread.

    Args:
        path: The image file.
        box: A `Box`, or [left, top, right, bottom] in original pixels.
        pad_fraction: Widen each side by this fraction of the image's width (left and right) and
            height (top and bottom), as the Pix2Fact reference scripts' expanded-crop setting does.
        limits: Size and byte limits of the result.
        max_zoom: Largest enlargement of a small region; 1.0 sends it at its original size.
        max_pixels: Largest image (width x height) that will be decoded.

    Raises:
        ValueError: The box is malformed or does not overlap the image.
        ImageLoadError: The image cannot be decoded.
    """
    return await asyncio.to_thread(
        _crop_region, Path(path), box, pad_fraction, limits or ImageLimits(), max_zoom, max_pixels
    )


def _crop_region(
    path: Path, box: BoxLike | Sequence[float], pad_fraction: float, limits: ImageLimits, max_zoom: float, max_pixels: int
) -> ImageBlob:
    # tools/ may not import tasks/, so a Box is recognised by its as_list() method.
    values = box.as_list() if hasattr(box, "as_list") else list(box)
    if len(values) != 4:
        raise ValueError(f"box must be [left, top, right, bottom]; got {values}")
    left, top, right, bottom = (float(value) for value in values)
    if not (right > left and bottom > top):
        raise ValueError(f"box must be [left, top, right, bottom] with right > left and bottom > top; got {values}")
    if pad_fraction < 0:
        raise ValueError(f"pad_fraction must be 0 or more; got {pad_fraction}")

    image = load_image(path, max_pixels)
    pad_x = pad_fraction * image.width
    pad_y = pad_fraction * image.height
    padded = (left - pad_x, top - pad_y, right + pad_x, bottom + pad_y)
    if padded[2] <= 0 or padded[3] <= 0 or padded[0] >= image.width or padded[1] >= image.height:
        raise ValueError(f"box {values} lies outside the {image.width}x{image.height} image {path}")

    pixel_box = snap_to_pixels(padded, image.width, image.height)
    box_width = pixel_box[2] - pixel_box[0]
    box_height = pixel_box[3] - pixel_box[1]
    zoom = min(max_zoom, limits.max_side / max(box_width, box_height))
    size = (max(1, round(box_width * zoom)), max(1, round(box_height * zoom)))
    return encode_jpeg(render_region(image, pixel_box, size), limits, label="region")
