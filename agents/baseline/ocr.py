"""Read the name on a cropped panel with Tesseract.

A panel contains a name line and often a smaller tagline under it ("All welcome", "per 100 g").
The name is taken to be the line in the tallest, Title Case letters (`name_score`). Tesseract runs on a few deterministic
preprocessing variants (grayscale, grayscale inverted when the paint is dark, and an Otsu
threshold), and the reading with the best mean word confidence wins.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import statistics
from dataclasses import dataclass

import numpy as np
import pytesseract
from PIL import Image, ImageOps

logger = logging.getLogger(__name__)

# Tesseract's word confidence runs 0-100; words below this are mostly border and texture noise.
MIN_WORD_CONFIDENCE = 40.0
# A reading this confident is kept without trying the remaining preprocessing variants.
GOOD_CONFIDENCE = 90.0
# The LSTM engine (--oem 1) reading the image as one uniform block of text (--psm 6): a panel
# is two or three short lines, which the default page segmentation often splits into noise.
TESSERACT_CONFIG = "--oem 1 --psm 6"
MARGIN_PX = 16
# The panel's rim, as a fraction of its height, is cut off before reading, so its edges are not
# read as "|" or "I".
RIM_FRACTION = 0.08
# Letters, digits and the punctuation names use ("Park & Ride", "Honey Co.", "O'Brien").
_WORD_EDGE = re.compile(r"^[^\w&]+|[^\w&.']+$")


@dataclass(frozen=True)
class Reading:
    """The line Tesseract read that most looks like the panel's name (see `name_score`).

    Attributes:
        text: The line's words joined by single spaces ("" when nothing was read).
        confidence: Mean Tesseract confidence (0-100) of the line's words.
        height: Median word height of the line in pixels.
        variant: Which preprocessing produced it ("gray", "inverted", "otsu").
        lines: Every line read, the likeliest name first.
    """

    text: str
    confidence: float
    height: float
    variant: str
    lines: tuple[str, ...] = ()


def otsu_threshold(gray: np.ndarray) -> int:
    """Return the Otsu threshold (0-255) that best splits a grayscale image in two classes."""
    histogram = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    total = histogram.sum()
    weights = np.cumsum(histogram)
    means = np.cumsum(histogram * np.arange(256))
    background = weights[:-1]
    foreground = total - background
    valid = (background > 0) & (foreground > 0)
    between = np.zeros(255)
    mean_back = means[:-1][valid] / background[valid]
    mean_fore = (means[-1] - means[:-1][valid]) / foreground[valid]
    between[valid] = background[valid] * foreground[valid] * (mean_back - mean_fore) ** 2
    return int(between.argmax())


def preprocess(image: Image.Image) -> list[tuple[str, Image.Image]]:
    """Return the (name, image) variants Tesseract reads, in a fixed order.

    Tesseract expects dark text on a light ground, so a dark panel (white letters) is inverted.
    """
    gray = ImageOps.grayscale(image)
    pixels = np.asarray(gray)
    dark_paint = float(np.median(pixels)) < 128
    upright = ImageOps.invert(gray) if dark_paint else gray
    threshold = otsu_threshold(np.asarray(upright))
    binary = upright.point(lambda value: 255 if value > threshold else 0)
    variants = [("gray", gray)]
    if dark_paint:
        variants.append(("inverted", upright))
    variants.append(("otsu", binary))
    return variants


def _with_margin(image: Image.Image) -> Image.Image:
    """Add a margin in the image's own background shade: Tesseract misses text that touches the edge."""
    shade = int(np.median(np.asarray(image)))
    return ImageOps.expand(image, border=MARGIN_PX, fill=shade)


def _lines(image: Image.Image) -> list[tuple[str, float, float]]:
    """Return (text, mean confidence, median word height) per line Tesseract finds."""
    try:
        data = pytesseract.image_to_data(image, config=TESSERACT_CONFIG, output_type=pytesseract.Output.DICT)
    except pytesseract.TesseractNotFoundError as error:
        raise RuntimeError(
            "the baseline agent reads panels with the tesseract program, which is not installed or not on "
            "PATH; install it with `apt-get install tesseract-ocr` (Debian/Ubuntu)"
        ) from error
    grouped: dict[tuple[int, int, int], list[tuple[str, float, int]]] = {}
    for index, raw in enumerate(data["text"]):
        word = raw.strip() if raw.strip() == "&" else _WORD_EDGE.sub("", raw.strip())
        confidence = float(data["conf"][index])
        if not re.search(r"[\w&]", word) or confidence < MIN_WORD_CONFIDENCE:
            continue
        key = (data["block_num"][index], data["par_num"][index], data["line_num"][index])
        grouped.setdefault(key, []).append((word, confidence, data["height"][index]))

    lines = []
    for words in grouped.values():
        text = " ".join(word for word, _, _ in words)
        lines.append((text, statistics.fmean(c for _, c, _ in words), statistics.median(h for _, _, h in words)))
    return lines


def name_score(line: tuple[str, float, float], tallest: float) -> float:
    """Score how much a line looks like the panel's name rather than its tagline.

    Names are set in the largest letters and in Title Case ("Norcross Swim Club"), while
    taglines are smaller and mostly lower case ("limited batch", "Join us this Saturday").
    """
    text, confidence, height = line
    words = [word for word in text.split() if word[0].isalpha()]
    title_case = sum(word[0].isupper() for word in words) / len(words) if words else 0.0
    return height / tallest + 0.5 * title_case + confidence / 1000


def read_panel(jpeg: bytes, panel_box: tuple[int, int, int, int] | None = None, scale: float = 1.0) -> Reading:
    """Read the name line of a panel from an encoded crop (blocking; see `read_panel_async`).

    Args:
        jpeg: The encoded crop.
        panel_box: Where the panel lies in the crop's pixels; the surroundings are cut off so
            an awning or a wall does not confuse Tesseract. None reads the whole crop.
        scale: Enlargement applied before reading, for images not already zoomed by `crop`.
    """
    image = Image.open(io.BytesIO(jpeg)).convert("RGB")
    if panel_box is not None:
        left, top, right, bottom = panel_box
        rim = max(2, round(RIM_FRACTION * (bottom - top)))
        inner = (max(0, left + rim), max(0, top + rim), min(image.width, right - rim), min(image.height, bottom - rim))
        if inner[2] - inner[0] > 8 and inner[3] - inner[1] > 8:
            image = image.crop(inner)
    if scale > 1.0:
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)

    best = Reading("", 0.0, 0.0, "none")
    for variant, prepared in preprocess(image):
        lines = _lines(_with_margin(prepared))
        if not lines:
            continue
        tallest = max(height for _, _, height in lines)
        ranked = sorted(lines, key=lambda line: -name_score(line, tallest))
        text, confidence, height = ranked[0]
        logger.debug("OCR %s: %r (confidence %.0f, height %.0f px)", variant, text, confidence, height)
        if confidence > best.confidence:
            best = Reading(text, confidence, height, variant, tuple(line[0] for line in ranked))
        if best.confidence >= GOOD_CONFIDENCE:
            break
    return best


async def read_panel_async(jpeg: bytes, panel_box: tuple[int, int, int, int] | None = None, scale: float = 1.0) -> Reading:
    """Run `read_panel` in a worker thread so other tasks keep running during Tesseract."""
    return await asyncio.to_thread(read_panel, jpeg, panel_box, scale)
