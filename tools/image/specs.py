"""Names, descriptions and JSON schemas of the image tools, as they are sent to the model.

The crop description depends on the coordinate convention: pixel boxes for most models, and
[ymin, xmin, ymax, xmax] in 0-1000 units for models trained on that convention (Gemini).
"""

from __future__ import annotations

from pix2fact.tools.base import ToolSpec
from pix2fact.tools.image.boxes import CoordinateSystem


def view_image_spec(max_side: int) -> ToolSpec:
    """Return the spec of `view_image`, which takes no arguments."""
    return ToolSpec(
        name="view_image",
        description=(
            f"Show the whole image scaled down to fit {max_side} px on its longest side. The result "
            "states the original size in pixels and the scale of this overview. Small text and "
            "details are not legible here: use crop to see them at full resolution."
        ),
        parameters={"type": "object", "properties": {}, "required": []},
    )


def crop_spec(coords: CoordinateSystem, max_side: int, max_zoom: float) -> ToolSpec:
    """Return the spec of `crop` for the given coordinate convention and limits."""
    if coords == "norm1000":
        box_description = (
            "[ymin, xmin, ymax, xmax], each from 0 to 1000, relative to the whole image: (0, 0) is "
            "the top-left corner and (1000, 1000) the bottom-right. With source, the same units "
            "are relative to that earlier crop instead."
        )
        convention = (
            "Boxes are [ymin, xmin, ymax, xmax] normalised to 0-1000 of the image (y first)."
        )
    else:
        box_description = (
            "[left, top, right, bottom] in pixels of the ORIGINAL full-resolution image: x grows "
            "to the right, y grows downward, (0, 0) is the top-left corner. view_image reports the "
            "original size. With source, the box is in pixels of that earlier crop's returned image."
        )
        convention = "Boxes are [left, top, right, bottom] in original-image pixels."

    description = (
        "Cut a rectangle out of the full-resolution image and return it enlarged, to read small "
        f"text and details. {convention} A box that runs past the edge is clamped to the image. "
        "The result states the box actually used in original pixels, the output size and the "
        "crop's id (c1, c2, ...); pass that id as source to zoom further into a crop."
    )
    return ToolSpec(
        name="crop",
        description=description,
        parameters={
            "type": "object",
            "properties": {
                "box": {
                    "type": "array",
                    "items": {"type": "number"},
                    "minItems": 4,
                    "maxItems": 4,
                    "description": box_description,
                },
                "zoom": {
                    "type": "number",
                    "description": (
                        f"Output pixels per original pixel, greater than 0 and at most {max_zoom:g}. "
                        f"Omit it to show the box as large as allowed ({max_side} px on the longest side)."
                    ),
                },
                "source": {
                    "type": "string",
                    "description": (
                        "Optional id of an earlier result: a crop id such as 'c1', or 'overview' for "
                        "the view_image result. The box is then given in that image's coordinates."
                    ),
                },
            },
            "required": ["box"],
        },
    )
