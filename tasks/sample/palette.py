"""Named panel colours and the position words questions use to point at a panel.

Every labelled object in a sample image (a shop sign, a placard, a shelf tag...) is painted in
one colour of `PALETTE`, and no colour repeats within an image. A question can therefore name its
target by colour alone, and a program can resolve that name by comparing a panel's mean colour
with the RGB values below. The colours sit far apart in RGB so JPEG noise and the added
texture never move one into another's neighbourhood.
"""

from __future__ import annotations

from typing import NamedTuple


class PanelColour(NamedTuple):
    """One palette entry: the English name, the panel fill, and the text colour drawn on it."""

    name: str
    rgb: tuple[int, int, int]
    text_rgb: tuple[int, int, int]


_WHITE_TEXT = (250, 250, 250)
_BLACK_TEXT = (15, 15, 15)

PALETTE: tuple[PanelColour, ...] = (
    PanelColour("red", (200, 30, 35), _WHITE_TEXT),
    PanelColour("orange", (245, 135, 20), _BLACK_TEXT),
    PanelColour("yellow", (250, 220, 40), _BLACK_TEXT),
    PanelColour("green", (35, 140, 55), _WHITE_TEXT),
    PanelColour("teal", (0, 128, 128), _WHITE_TEXT),
    PanelColour("blue", (30, 70, 200), _WHITE_TEXT),
    PanelColour("purple", (120, 45, 165), _WHITE_TEXT),
    PanelColour("pink", (250, 150, 195), _BLACK_TEXT),
    PanelColour("brown", (115, 70, 30), _WHITE_TEXT),
    PanelColour("black", (20, 20, 20), _WHITE_TEXT),
    PanelColour("white", (245, 245, 245), _BLACK_TEXT),
    PanelColour("grey", (150, 150, 150), _BLACK_TEXT),
)

PALETTE_BY_NAME: dict[str, PanelColour] = {colour.name: colour for colour in PALETTE}


def nearest_colour(rgb: tuple[float, float, float]) -> str:
    """Return the palette name closest to an RGB triple (squared Euclidean distance)."""
    def distance(colour: PanelColour) -> float:
        return sum((a - b) ** 2 for a, b in zip(colour.rgb, rgb))

    return min(PALETTE, key=distance).name


def position_phrase(centre_x: float, centre_y: float, width: int, height: int) -> str:
    """Describe where a point lies in the image in words, by thirds of width and height.

    Returns phrases such as "upper left", "lower right", "top centre" or "centre" that fit
    after "in the ... part of the photo".
    """
    column = min(2, int(3 * centre_x / width))
    row = min(2, int(3 * centre_y / height))
    horizontal = ("left", "centre", "right")[column]
    vertical = ("upper", "middle", "lower")[row]

    if row == 1 and column == 1:
        return "centre"
    if row == 1:
        return f"middle {horizontal}"
    if column == 1:
        return "top centre" if row == 0 else "bottom centre"
    return f"{vertical} {horizontal}"
