"""Find the painted panels of a named colour in the overview image.

The steps: classify every overview pixel by colour name (`colours.colour_mask`), label the
connected regions of the requested colour in three masks (loose, tight, and loose without
edges), keep those shaped like a sign or label (solid, wider than tall, neither a speck nor a
wall), and rank them by whether they carry text, how well they fill their bounding box, how
close their colour is, and whether they sit where the question says.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from pix2fact.agents.baseline.colours import colour_mask, srgb_to_lab
from pix2fact.agents.baseline.question import Position

# Shape limits of a panel, as fractions of the overview's width and height, and in pixels.
MIN_HEIGHT_PX = 6
MIN_WIDTH_PX = 14
MAX_WIDTH_FRACTION = 0.35
MAX_HEIGHT_FRACTION = 0.15
MIN_ASPECT = 1.2
MAX_ASPECT = 14.0
# Text cut holes into a panel's mask, so a panel fills only part of its box. Specks of a
# colour on a textured surface fill far less.
MIN_FILL = 0.45
# A panel carries a name, so part of its inside contrasts with the paint. Blank patches of the
# same colour (product labels, windows) have almost none of this "ink".
MIN_INK = 0.015
# CIELAB lightness difference from the paint's median that counts as ink.
INK_CONTRAST = 25.0
# Delta E of the tight second mask: paint plus JPEG and grain noise stays well within it.
TIGHT_DELTA_E = 12.0
# Lightness step (CIELAB L*, over two pixels) that counts as an edge: a panel's rim or letters,
# well above the grain inside uniform paint.
EDGE_STEP = 10.0


@dataclass(frozen=True)
class Candidate:
    """A region that may be the panel a question points at.

    Attributes:
        box: [left, top, right, bottom] in original-image pixels.
        fill: Fraction of the bounding box that has the requested colour.
        ink: Fraction of the box's inner part that contrasts with the paint, as text does.
        delta_e: Median CIELAB distance of the region's pixels to the colour's anchors.
        in_place: True when the question gives a position and the region's centre lies there.
        score: Ranking score; higher is more likely.
    """

    box: tuple[int, int, int, int]
    fill: float
    ink: float
    delta_e: float
    in_place: bool
    score: float


def label_runs(mask: np.ndarray) -> list[tuple[int, int, int, int, int]]:
    """Label the 4-connected regions of a boolean mask.

    Works on horizontal runs of set pixels with a union-find, which stays fast in Python
    because a mask has far fewer runs than pixels.

    Returns:
        One (left, top, right, bottom, area) per region; right and bottom are exclusive.
    """
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    changes = np.diff(padded, axis=1)
    rows_start, cols_start = np.nonzero(changes == 1)
    _rows_end, cols_end = np.nonzero(changes == -1)

    parent = list(range(len(rows_start)))

    def find(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    # Runs come sorted by row, then column, so each row's runs form one contiguous slice.
    row_bounds = np.searchsorted(rows_start, np.arange(mask.shape[0] + 1))
    for row in range(1, mask.shape[0]):
        above = range(row_bounds[row - 1], row_bounds[row])
        here = range(row_bounds[row], row_bounds[row + 1])
        i, j = above.start, here.start
        while i < above.stop and j < here.stop:
            if cols_start[i] < cols_end[j] and cols_start[j] < cols_end[i]:
                root_i, root_j = find(i), find(j)
                if root_i != root_j:
                    parent[root_j] = root_i
            if cols_end[i] < cols_end[j]:
                i += 1
            else:
                j += 1

    regions: dict[int, list[int]] = {}
    for run in range(len(rows_start)):
        root = find(run)
        left, top, right, bottom = int(cols_start[run]), int(rows_start[run]), int(cols_end[run]), int(rows_start[run]) + 1
        length = right - left
        if root in regions:
            box = regions[root]
            box[0] = min(box[0], left)
            box[1] = min(box[1], top)
            box[2] = max(box[2], right)
            box[3] = max(box[3], bottom)
            box[4] += length
        else:
            regions[root] = [left, top, right, bottom, length]
    return [tuple(box) for box in regions.values()]  # type: ignore[misc]


def _ink_fraction(lightness: np.ndarray, region: np.ndarray) -> float:
    """Return the share of the box's inner part whose lightness differs from the paint's."""
    height, width = lightness.shape
    inner = (slice(height // 5, height - height // 5), slice(width // 10, width - width // 10))
    paint = float(np.median(lightness[region]))
    inside = lightness[inner]
    if inside.size == 0:
        return 0.0
    return float((np.abs(inside - paint) > INK_CONTRAST).mean())


def find_panels(overview_jpeg: bytes, image_size: tuple[int, int], colour: str, position: Position | None,
                limit: int = 4) -> list[Candidate]:
    """Return up to `limit` panel candidates of `colour`, best first, in original pixels.

    Args:
        overview_jpeg: The encoded overview image the loop showed at the start.
        image_size: (width, height) of the original image, to scale boxes back up.
        colour: A name of `colours.COLOUR_ANCHORS`.
        position: Where the question says the panel is, or None.
        limit: Largest number of candidates returned.
    """
    image = Image.open(io.BytesIO(overview_jpeg)).convert("RGB")
    lab = srgb_to_lab(np.asarray(image))
    loose, distance = colour_mask(lab, colour)

    # A panel next to a surface of a similar shade (a grey sign on a dark grey awning, a grey
    # label on a grey shelf) merges with it under the loose mask. Its own paint is uniform, so
    # a tight mask cuts it free, and so does removing the edges its rim draws.
    edges = edge_map(lab[..., 0])
    candidates: list[Candidate] = []
    for mask in (loose, loose & (distance <= TIGHT_DELTA_E), loose & ~edges):
        for found in _panels_in(mask, distance, lab, position, image_size):
            same = [index for index, kept in enumerate(candidates) if _overlap(found.box, kept.box) > 0.8]
            if not same:
                candidates.append(found)
            elif found.score > candidates[same[0]].score:
                candidates[same[0]] = found

    candidates.sort(key=lambda candidate: -candidate.score)
    return candidates[:limit]


def edge_map(lightness: np.ndarray) -> np.ndarray:
    """Mark pixels where CIELAB lightness changes by more than `EDGE_STEP` across a neighbour pair."""
    horizontal = np.zeros_like(lightness, dtype=bool)
    vertical = np.zeros_like(lightness, dtype=bool)
    horizontal[:, 1:-1] = np.abs(lightness[:, 2:] - lightness[:, :-2]) > EDGE_STEP
    vertical[1:-1, :] = np.abs(lightness[2:, :] - lightness[:-2, :]) > EDGE_STEP
    return horizontal | vertical


def _overlap(first: tuple[int, int, int, int], second: tuple[int, int, int, int]) -> float:
    """Return the intersection over union of two boxes."""
    width = min(first[2], second[2]) - max(first[0], second[0])
    height = min(first[3], second[3]) - max(first[1], second[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = (first[2] - first[0]) * (first[3] - first[1]) + (second[2] - second[0]) * (second[3] - second[1]) - inter
    return inter / union


def _panels_in(mask: np.ndarray, distance: np.ndarray, lab: np.ndarray, position: Position | None,
               image_size: tuple[int, int]) -> list[Candidate]:
    """Return the panel-shaped regions of one mask as candidates in original pixels."""
    height, width = mask.shape
    scale_x = image_size[0] / width
    scale_y = image_size[1] / height
    candidates = []
    for left, top, right, bottom, area in label_runs(mask):
        box_width, box_height = right - left, bottom - top
        if box_height < MIN_HEIGHT_PX or box_width < MIN_WIDTH_PX:
            continue
        if box_width > MAX_WIDTH_FRACTION * width or box_height > MAX_HEIGHT_FRACTION * height:
            continue
        if not MIN_ASPECT <= box_width / box_height <= MAX_ASPECT:
            continue
        fill = area / (box_width * box_height)
        if fill < MIN_FILL:
            continue

        region = mask[top:bottom, left:right]
        delta_e = float(np.median(distance[top:bottom, left:right][region]))
        ink = _ink_fraction(lab[top:bottom, left:right, 0], region)
        centre = ((left + right) / 2 / width, (top + bottom) / 2 / height)
        in_place = position is not None and position.contains(*centre)
        # Text and the stated position weigh most; fill and colour closeness decide among the rest.
        score = fill - delta_e / 60
        if ink >= MIN_INK:
            score += 1.0
        if in_place:
            score += 2.0
        elif position is not None:
            score -= position.distance(*centre)
        original = (
            max(0, int(left * scale_x)),
            max(0, int(top * scale_y)),
            min(image_size[0], int(np.ceil(right * scale_x))),
            min(image_size[1], int(np.ceil(bottom * scale_y))),
        )
        candidates.append(Candidate(original, round(fill, 3), round(ink, 3), round(delta_e, 2), in_place, round(score, 3)))
    return candidates
