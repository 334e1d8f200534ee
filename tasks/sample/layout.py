"""Scene geometry shared by layout and drawing: fonts, labelled panels and the scene record.

Layout happens before any pixel is drawn, so the task rows (bounding boxes, position words) and
the images come from the same numbers. Names are set at 12-15 px, a capital height of 9-11 px
in the original image and under 5 px in a 1568-px-wide overview, where they blur into a smudge.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

from PIL import ImageFont

FONT_DIR_ENV = "PIX2FACT_FONT_DIR"
DEFAULT_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

# Names use regular weights: bold strokes survive downscaling well enough for OCR to read
# names in a 1568-px overview, which would make zooming unnecessary.
FONT_FILES = {
    "sans": "DejaVuSans.ttf",
    "condensed": "DejaVuSansCondensed.ttf",
    "serif": "DejaVuSerif.ttf",
}

# Font of the subline under a name set in each style.
SUBLINE_FONTS = {"condensed": "sans"}


class FontMissingError(FileNotFoundError):
    """The DejaVu TrueType fonts the sample images are drawn with are not installed."""


def font_dir() -> Path:
    return Path(os.environ.get(FONT_DIR_ENV) or DEFAULT_FONT_DIR)


@functools.lru_cache(maxsize=256)
def load_font(style: str, size: int) -> ImageFont.FreeTypeFont:
    """Return the DejaVu font for a style key of `FONT_FILES` at a pixel size.

    Raises:
        FontMissingError: the font file is absent. Install the Debian package
            fonts-dejavu-core, or point $PIX2FACT_FONT_DIR at a folder holding the DejaVu files.
    """
    path = font_dir() / FONT_FILES[style]
    if not path.is_file():
        raise FontMissingError(
            f"font file {path} not found; install it with `apt-get install fonts-dejavu-core` "
            f"or set ${FONT_DIR_ENV} to a folder containing {FONT_FILES[style]}"
        )
    return ImageFont.truetype(str(path), size)


def cap_height(style: str, size: int) -> int:
    """Return the height in pixels of a capital "H" drawn in this font."""
    left, top, right, bottom = load_font(style, size).getbbox("H", anchor="ls")
    return bottom - top


@dataclass(frozen=True)
class Label:
    """The text, colour and role of a panel, before it is placed."""

    text: str
    subline: str
    colour: str
    role: str


@dataclass(frozen=True)
class Panel:
    """A placed label: a coloured rectangle with a name line and a smaller subline.

    `box` is the whole panel and `text_box` the ink box of the name. Both are (left, top, right,
    bottom) in original-image pixels. `baseline` is the (x, y) the name is drawn from.
    """

    label: Label
    box: tuple[int, int, int, int]
    text_box: tuple[int, int, int, int]
    baseline: tuple[int, int]
    sub_baseline: tuple[int, int]
    font: str
    size: int
    sub_size: int
    cap_height: int


@dataclass(frozen=True)
class Scene:
    """Everything needed to draw one image: its panels and the category's extra geometry."""

    index: str
    category: str
    width: int
    height: int
    seed: str
    panels: tuple[Panel, ...]
    props: dict = field(default_factory=dict)

    @property
    def target(self) -> Panel:
        return next(panel for panel in self.panels if panel.label.role == "target")


def place_panel(label: Label, font: str, size: int, centre: tuple[float, float],
                pad_x: int = 18, pad_y: int = 12) -> Panel:
    """Size a panel around its two text lines and centre it on `centre`."""
    name_font = load_font(font, size)
    sub_style = SUBLINE_FONTS.get(font, font)
    sub_size = max(11, round(size * 0.68))
    sub_font = load_font(sub_style, sub_size)

    name_width = name_font.getlength(label.text)
    sub_width = sub_font.getlength(label.subline) if label.subline else 0
    cap = cap_height(font, size)
    descent = name_font.getbbox("gjpqy", anchor="ls")[3]
    sub_cap = cap_height(sub_style, sub_size)
    sub_descent = sub_font.getbbox("gjpqy", anchor="ls")[3]
    gap = max(4, size // 4)

    width = round(max(name_width, sub_width)) + 2 * pad_x
    height = pad_y + cap + descent + (gap + sub_cap + sub_descent if label.subline else 0) + pad_y
    left = round(centre[0] - width / 2)
    top = round(centre[1] - height / 2)

    baseline = (round(left + (width - name_width) / 2), top + pad_y + cap)
    sub_baseline = (round(left + (width - sub_width) / 2), baseline[1] + descent + gap + sub_cap)
    ink = name_font.getbbox(label.text, anchor="ls")
    text_box = (baseline[0] + ink[0], baseline[1] + ink[1], baseline[0] + ink[2], baseline[1] + ink[3])

    return Panel(label=label, box=(left, top, left + width, top + height), text_box=text_box,
                 baseline=baseline, sub_baseline=sub_baseline, font=font, size=size,
                 sub_size=sub_size, cap_height=cap)


def check_panels(index: str, panels: list[Panel], width: int, height: int, margin: int = 6) -> None:
    """Raise ValueError if panels overlap or leave the image; a layout bug, not bad input."""
    for number, panel in enumerate(panels):
        left, top, right, bottom = panel.box
        if left < 0 or top < 0 or right > width or bottom > height:
            raise ValueError(f"{index}: panel {panel.label.text!r} at {panel.box} leaves the "
                             f"{width}x{height} image")
        for other in panels[number + 1:]:
            o_left, o_top, o_right, o_bottom = other.box
            if (left < o_right + margin and o_left < right + margin
                    and top < o_bottom + margin and o_top < bottom + margin):
                raise ValueError(f"{index}: panels {panel.label.text!r} and "
                                 f"{other.label.text!r} overlap at {panel.box} and {other.box}")
