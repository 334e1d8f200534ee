"""Reading task images: a cheap header check and a shared cache of decoded images.

Decoding a 4K JPEG takes tens of milliseconds and about 25 MB of memory, and one task may crop
its image a dozen times. `load_image` therefore decodes each file once and keeps the result in a
small process-wide LRU cache keyed by path, modification time and size. An edited file is
decoded again, and the cache keeps at most a few decoded images however many tasks run.

Every failure to read an image (missing, not an image, truncated, corrupt, too many pixels)
raises `ImageLoadError`. That is a dataset or harness problem, never the model's, so it is not
a `ToolError`.

Images are returned in their displayed orientation: an EXIF Orientation tag is applied, and
`read_image_size` reports the size after that rotation.
"""

from __future__ import annotations

import logging
import os
import struct
import threading
from collections import OrderedDict
from pathlib import Path

from PIL import Image, ImageFile, UnidentifiedImageError

logger = logging.getLogger(__name__)

# NOTE: an estimate. The Hugging Face viewer of the Pix2Fact images reports widths up to 15.4k px,
# so 160 million pixels leaves room for those and still rejects decompression bombs. Pillow's
# own hard limit (2 x Image.MAX_IMAGE_PIXELS, about 179 million by default) applies as well.
DEFAULT_MAX_PIXELS = 160_000_000

CACHE_MAX_IMAGES = 4
# Decoded RGB images take width x height x 3 bytes. This budget bounds memory when several very
# large images are in use, but the most recently used image is kept even if it alone exceeds it.
CACHE_MAX_BYTES = 1_500_000_000

_EXIF_ORIENTATION = 0x0112
_warned_truncated_setting = False
_ROTATED_ORIENTATIONS = {5, 6, 7, 8}


class ImageLoadError(Exception):
    """A task image that cannot be read: missing, not an image, truncated, corrupt or too large.

    Attributes:
        path: The image file.
        problem: What is wrong and how to fix it.
    """

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"cannot read image {self.path}: {problem}")


def _check_pixels(path: Path, width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise ImageLoadError(
            path,
            f"{width}x{height} = {width * height:,} pixels exceeds the limit of {max_pixels:,} "
            "(decompression bomb protection); downscale the image or raise max_pixels",
        )


def _orientation(image: Image.Image) -> int | None:
    """Return the EXIF Orientation tag without decoding pixels.

    `Image.getexif()` would decode a whole PNG to reach a trailing eXIf chunk, so only EXIF data
    already read with the header (JPEG, WebP, PNG with eXIf before the pixels) is used.
    """
    raw = image.info.get("exif")
    if not raw:
        return None
    exif = Image.Exif()
    try:
        exif.load(raw)
    except (OSError, SyntaxError, ValueError, struct.error):
        logger.debug("ignoring unreadable EXIF data in %s", image.filename or "image")
        return None
    return exif.get(_EXIF_ORIENTATION)


def _displayed_size(image: Image.Image) -> tuple[int, int]:
    width, height = image.size
    if _orientation(image) in _ROTATED_ORIENTATIONS:
        return height, width
    return width, height


def _open(path: Path) -> Image.Image:
    """Open an image lazily (header only), translating every Pillow failure to ImageLoadError."""
    try:
        # Pillow warns (DecompressionBombWarning) above Image.MAX_IMAGE_PIXELS and raises above
        # twice that; the warning is left alone because warning filters are not thread-safe.
        return Image.open(path)
    except FileNotFoundError:
        raise ImageLoadError(path, "file not found; check the image path and images_dir") from None
    except IsADirectoryError:
        raise ImageLoadError(path, "is a directory, not an image file") from None
    except PermissionError:
        raise ImageLoadError(path, "permission denied; make the file readable") from None
    except UnidentifiedImageError:
        raise ImageLoadError(path, "not a recognised image format (expected JPEG, PNG or WebP)") from None
    except Image.DecompressionBombError as error:
        raise ImageLoadError(path, f"rejected as a decompression bomb by Pillow: {error}") from None
    except OSError as error:
        raise ImageLoadError(path, f"cannot open: {error}") from None


def read_image_size(path: Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[int, int]:
    """Read an image's displayed size from its header without decoding the pixels.

    This catches missing files, non-images and oversized images cheaply. A truncated or corrupt
    pixel stream is only found when the image is decoded (see `load_image`).

    Args:
        path: The image file.
        max_pixels: Largest accepted width x height.

    Returns:
        (width, height) after any EXIF rotation.

    Raises:
        ImageLoadError: The file is missing, not an image or has more than `max_pixels` pixels.
    """
    with _open(path) as image:
        width, height = _displayed_size(image)
    _check_pixels(path, width, height, max_pixels)
    return width, height


def _decode(path: Path, max_pixels: int) -> Image.Image:
    global _warned_truncated_setting
    if ImageFile.LOAD_TRUNCATED_IMAGES and not _warned_truncated_setting:
        # Another module switched on Pillow's global acceptance of truncated files.
        _warned_truncated_setting = True
        logger.warning("PIL.ImageFile.LOAD_TRUNCATED_IMAGES is set, so truncated images decode with grey areas")

    with _open(path) as image:
        _check_pixels(path, *_displayed_size(image), max_pixels)
        try:
            image.load()
            orientation = _orientation(image)
            rgb = _to_rgb(image)
        except Image.DecompressionBombError as error:
            raise ImageLoadError(path, f"rejected as a decompression bomb by Pillow: {error}") from None
        except (OSError, SyntaxError, ValueError) as error:
            # Pillow reports a truncated stream as OSError and some corrupt headers as SyntaxError.
            raise ImageLoadError(path, f"decoding failed ({error}); the file is truncated or corrupt") from None

    if orientation in (2, 3, 4, 5, 6, 7, 8):
        rgb = rgb.transpose(_TRANSPOSE[orientation])
    return rgb


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _to_rgb(image: Image.Image) -> Image.Image:
    """Convert to RGB, putting transparent images on white so they do not turn black in JPEG."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        return background
    return image.convert("RGB")


class _DecodedCache:
    """A thread-safe LRU of decoded images, bounded by count and by total bytes."""

    def __init__(self, max_images: int, max_bytes: int) -> None:
        self.max_images = max_images
        self.max_bytes = max_bytes
        self._images: OrderedDict[tuple[str, int, int], Image.Image] = OrderedDict()
        self._lock = threading.Lock()
        # One lock per key, so two tasks asking for the same image decode it once.
        self._key_locks: dict[tuple[str, int, int], threading.Lock] = {}
        self.decodes = 0

    def get(self, path: Path, max_pixels: int) -> Image.Image:
        resolved = path.resolve()
        try:
            stat = os.stat(resolved)
        except FileNotFoundError:
            raise ImageLoadError(path, "file not found; check the image path and images_dir") from None
        except OSError as error:
            raise ImageLoadError(path, f"cannot stat: {error}") from None
        key = (str(resolved), stat.st_mtime_ns, stat.st_size)

        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                cached = self._images.get(key)
                if cached is not None:
                    self._images.move_to_end(key)
            if cached is not None:
                _check_pixels(path, cached.width, cached.height, max_pixels)
                return cached

            try:
                image = _decode(resolved, max_pixels)
            except ImageLoadError:
                with self._lock:
                    self._key_locks.pop(key, None)
                raise
            with self._lock:
                self.decodes += 1
                self._images[key] = image
                self._evict()
                self._key_locks.pop(key, None)
            logger.debug("decoded %s (%dx%d)", resolved, image.width, image.height)
            return image

    def _evict(self) -> None:
        def total_bytes() -> int:
            return sum(image.width * image.height * 3 for image in self._images.values())

        while len(self._images) > 1 and (len(self._images) > self.max_images or total_bytes() > self.max_bytes):
            self._images.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._images.clear()
            self.decodes = 0

    def __len__(self) -> int:
        return len(self._images)


DECODED_IMAGES = _DecodedCache(CACHE_MAX_IMAGES, CACHE_MAX_BYTES)


def load_image(path: Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Decode an image to RGB in its displayed orientation, or return the cached decode.

    The returned image is shared between callers: crop or resize it, never modify it in place.
    This is CPU-bound; from async code call it through `asyncio.to_thread`.

    Raises:
        ImageLoadError: The file is missing, not an image, truncated, corrupt, or larger than
            `max_pixels` or Pillow's decompression bomb limit.
    """
    return DECODED_IMAGES.get(Path(path), max_pixels)
