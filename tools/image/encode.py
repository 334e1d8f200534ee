"""Resampling a region of a decoded image and encoding it as a JPEG that fits a model's limits."""

from __future__ import annotations

import io
import logging

from PIL import Image

from pix2fact.tools.base import ImageBlob, ImageLimits

logger = logging.getLogger(__name__)

# Tried in order until the encoded image fits `ImageLimits.max_bytes`. The first step keeps full
# chroma resolution (4:4:4), because coloured text on signs blurs under 4:2:0 subsampling.
_QUALITY_STEPS: tuple[tuple[int, int], ...] = ((90, 0), (85, 2), (75, 2), (60, 2), (45, 2))
_SHRINK_FACTOR = 0.75


def render_region(image: Image.Image, box: tuple[int, int, int, int], size: tuple[int, int]) -> Image.Image:
    """Resample `box` (left, top, right, bottom in `image` pixels) to `size` with Lanczos.

    When shrinking, `reducing_gap` lets Pillow first average whole blocks of pixels (`reduce`)
    and run Lanczos only on the remaining factor (at most 2.2x). On a 3840x2160 overview that
    halves the time of a plain Lanczos pass (about 44 ms instead of 98 ms, see
    benchmarks/bench_image.py), and the block average is itself an anti-aliasing filter.
    """
    box_width = box[2] - box[0]
    box_height = box[3] - box[1]
    if size == (box_width, box_height):
        return image.crop(box)
    downscaling = size[0] < box_width and size[1] < box_height
    return image.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=1.1 if downscaling else None)


def fit_within(width: int, height: int, max_side: int) -> tuple[int, int]:
    """Return (width, height) scaled down, keeping the aspect ratio, so neither side exceeds max_side."""
    longest = max(width, height)
    if longest <= max_side:
        return width, height
    scale = max_side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def _encode(image: Image.Image, quality: int, subsampling: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, subsampling=subsampling, optimize=False)
    return buffer.getvalue()


def encode_jpeg(image: Image.Image, limits: ImageLimits, label: str = "") -> ImageBlob:
    """Encode an RGB image as a JPEG no larger than `limits` in side length and bytes.

    The image is first scaled down to `limits.max_side` if needed. When the bytes do not fit,
    the JPEG quality is lowered step by step, and then the image is shrunk by a quarter and the
    quality steps are tried again, until it fits.

    Raises:
        ValueError: `limits.max_bytes` is too small for even a one-pixel JPEG.
    """
    size = fit_within(image.width, image.height, limits.max_side)
    if size != image.size:
        image = render_region(image, (0, 0, image.width, image.height), size)

    while True:
        for quality, subsampling in _QUALITY_STEPS:
            data = _encode(image, quality, subsampling)
            if len(data) <= limits.max_bytes:
                if (quality, subsampling) != _QUALITY_STEPS[0] or image.size != size:
                    logger.debug(
                        "encoded %s at quality %d, %dx%d, to fit %d bytes",
                        label or "image", quality, image.width, image.height, limits.max_bytes,
                    )
                return ImageBlob(data=data, width=image.width, height=image.height, label=label)

        if max(image.size) <= 1:
            raise ValueError(
                f"cannot encode {label or 'image'} within max_bytes={limits.max_bytes}: even a "
                f"{image.width}x{image.height} JPEG takes {len(data)} bytes; raise ImageLimits.max_bytes"
            )
        smaller = (max(1, int(image.width * _SHRINK_FACTOR)), max(1, int(image.height * _SHRINK_FACTOR)))
        image = render_region(image, (0, 0, image.width, image.height), smaller)
