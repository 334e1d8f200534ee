"""Colour names as CIELAB anchors, and the per-pixel colour classification built on them.

Each English colour name a question may use gets one or more anchor colours. Most are CSS named
colours that people call by that name: CSS "firebrick" and "crimson" are red to most readers,
"saddlebrown" and "sienna" are brown. A few mid-tones fill the gaps between them. A pixel belongs to a name when its nearest
anchor carries that name and lies within `MAX_DELTA_E`. Distances are CIE76 Delta E in CIELAB,
which tracks perceived difference far better than RGB distance.
"""

from __future__ import annotations

import numpy as np

# Anchors grouped under the plain names questions use. All are CSS named colours except
# (200, 16, 46), (240, 230, 50), (101, 67, 33), (25, 25, 25) and (150, 150, 150), which fill gaps
# between them (a deep red, a paint yellow, a dark brown, near-black, a mid grey).
COLOUR_ANCHORS: dict[str, tuple[tuple[int, int, int], ...]] = {
    "red": ((255, 0, 0), (178, 34, 34), (220, 20, 60), (200, 16, 46)),
    "orange": ((255, 165, 0), (255, 140, 0), (255, 127, 80)),
    "yellow": ((255, 255, 0), (255, 215, 0), (240, 230, 50)),
    "green": ((0, 128, 0), (34, 139, 34), (50, 205, 50), (46, 139, 87)),
    "teal": ((0, 128, 128), (0, 139, 139), (32, 178, 170)),
    "blue": ((0, 0, 255), (65, 105, 225), (0, 0, 205), (30, 144, 255)),
    "purple": ((128, 0, 128), (102, 51, 153), (138, 43, 226), (148, 0, 211)),
    "pink": ((255, 192, 203), (255, 105, 180), (255, 182, 193), (219, 112, 147)),
    "brown": ((139, 69, 19), (160, 82, 45), (165, 42, 42), (101, 67, 33)),
    "black": ((0, 0, 0), (25, 25, 25)),
    "white": ((255, 255, 255), (245, 245, 245)),
    "grey": ((128, 128, 128), (169, 169, 169), (150, 150, 150)),
}

# Spellings and near-synonyms a question may use for the names above.
COLOUR_SYNONYMS: dict[str, str] = {
    "gray": "grey",
    "violet": "purple",
    "magenta": "pink",
    "cyan": "teal",
    "turquoise": "teal",
    "navy": "blue",
    "maroon": "brown",
    "crimson": "red",
    "gold": "yellow",
    "golden": "yellow",
    "silver": "grey",
}

ACHROMATIC = frozenset({"black", "white", "grey"})

# Largest Delta E from a pixel to its nearest anchor for the pixel to carry that anchor's name.
MAX_DELTA_E = 30.0
# Neutral paint has almost no chroma, while beige walls and blue-grey glass have some. So a pixel
# called black, white or grey must stay below this CIELAB chroma.
MAX_ACHROMATIC_CHROMA = 9.0


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """Convert an (..., 3) array of 8-bit sRGB values to CIELAB (D65 white point)."""
    values = np.asarray(rgb, dtype=np.float32) / 255.0
    linear = np.where(values <= 0.04045, values / 12.92, ((values + 0.055) / 1.055) ** 2.4)
    matrix = np.array(
        [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]],
        dtype=np.float32,
    )
    xyz = linear @ matrix.T
    xyz = xyz / np.array([0.95047, 1.0, 1.08883], dtype=np.float32)
    epsilon = 216 / 24389
    kappa = 24389 / 27
    f = np.where(xyz > epsilon, np.cbrt(xyz), (kappa * xyz + 16) / 116)
    lightness = 116 * f[..., 1] - 16
    a = 500 * (f[..., 0] - f[..., 1])
    b = 200 * (f[..., 1] - f[..., 2])
    return np.stack([lightness, a, b], axis=-1)


_NAMES = list(COLOUR_ANCHORS)
_ANCHOR_NAMES = np.array([index for index, name in enumerate(_NAMES) for _ in COLOUR_ANCHORS[name]])
_ANCHOR_LAB = srgb_to_lab(np.array([anchor for name in _NAMES for anchor in COLOUR_ANCHORS[name]])).astype(np.float32)


def canonical_colour(word: str) -> str | None:
    """Return the colour name for a word ("gray" -> "grey"), or None when it is no colour."""
    word = word.lower()
    if word in COLOUR_ANCHORS:
        return word
    return COLOUR_SYNONYMS.get(word)


def colour_mask(lab: np.ndarray, colour: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (mask, distance) for one colour name over an (H, W, 3) CIELAB image.

    `mask` marks pixels whose nearest anchor is `colour` within `MAX_DELTA_E`; `distance` is
    each pixel's Delta E to the nearest anchor of `colour`.

    Raises:
        KeyError: `colour` is not one of `COLOUR_ANCHORS`.
    """
    target = _NAMES.index(colour)
    flat = lab.reshape(-1, 3).astype(np.float32)
    own_anchors = _ANCHOR_LAB[_ANCHOR_NAMES == target]
    own = np.full(flat.shape[0], np.inf, dtype=np.float32)
    for anchor in own_anchors:
        difference = flat - anchor
        np.minimum(own, np.einsum("ij,ij->i", difference, difference), out=own)
    own = np.sqrt(own)

    # Only pixels near the colour can have one of its anchors as their nearest, so the full
    # comparison with every anchor runs on those few.
    near = np.flatnonzero(own <= MAX_DELTA_E)
    candidates = flat[near]
    # Squared distances as |a|^2 - 2 x.a (|x|^2 is the same for every anchor): one matrix product.
    squared = candidates @ _ANCHOR_LAB.T
    squared *= -2
    squared += (_ANCHOR_LAB**2).sum(axis=1)
    nearest = _ANCHOR_NAMES[squared.argmin(axis=1)]
    mask = np.zeros(flat.shape[0], dtype=bool)
    mask[near[nearest == target]] = True
    if colour in ACHROMATIC:
        chroma = np.hypot(flat[:, 1], flat[:, 2])
        mask &= chroma <= MAX_ACHROMATIC_CHROMA
    shape = lab.shape[:2]
    return mask.reshape(shape), own.reshape(shape)


def name_colour(rgb: tuple[float, float, float]) -> str:
    """Return the colour name whose anchor is nearest to one RGB value."""
    lab = srgb_to_lab(np.array(rgb, dtype=np.float32))
    distances = np.sqrt(((_ANCHOR_LAB - lab) ** 2).sum(axis=1))
    return _NAMES[int(_ANCHOR_NAMES[distances.argmin()])]
