"""Drawing primitives for the stylised scenes: gradients, texture, people, trees, cars, panels.

Scenery colours are kept muted and away from the panel palette, so the only saturated patches a
colour-matching program finds are the labelled panels themselves.
"""

from __future__ import annotations

import random

from PIL import Image, ImageChops, ImageDraw

from pix2fact.tasks.sample.layout import SUBLINE_FONTS, Panel, load_font
from pix2fact.tasks.sample.palette import PALETTE_BY_NAME

Colour = tuple[int, int, int]

SKIN_TONES: tuple[Colour, ...] = ((236, 200, 170), (205, 160, 120), (160, 110, 75), (110, 75, 50), (225, 185, 150))
CLOTHES: tuple[Colour, ...] = ((92, 100, 112), (140, 122, 100), (88, 96, 78), (160, 146, 132), (70, 72, 86),
                              (126, 104, 112), (104, 124, 136), (170, 160, 120), (80, 80, 80))
WALLS: tuple[Colour, ...] = ((196, 180, 158), (170, 150, 132), (206, 196, 176), (150, 140, 128), (184, 164, 150),
                            (160, 168, 160), (200, 186, 170))


def jitter(colour: Colour, rng: random.Random, amount: int = 12) -> Colour:
    """Return the colour with each channel moved by up to `amount`, clipped to 0..255."""
    return tuple(max(0, min(255, channel + rng.randint(-amount, amount))) for channel in colour)


def vertical_gradient(size: tuple[int, int], top: Colour, bottom: Colour) -> Image.Image:
    """Return an RGB image fading from `top` to `bottom`; built as one column, then stretched."""
    width, height = size
    column = Image.new("RGB", (1, height))
    for y in range(height):
        t = y / max(1, height - 1)
        column.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom)))
    return column.resize((width, height), Image.Resampling.NEAREST)


def add_noise(image: Image.Image, rng: random.Random, amplitude: int = 7) -> Image.Image:
    """Add seeded grain of +-`amplitude` per pixel, like sensor noise on a photo."""
    width, height = image.size
    # Pillow's own effect_noise draws from an unseeded C generator, so the grain comes from
    # the scene's Random to keep image bytes reproducible.
    grain = Image.frombytes("L", (width, height), rng.randbytes(width * height))
    grain = grain.point(lambda value: value * (2 * amplitude + 1) // 256)
    grain = Image.merge("RGB", (grain, grain, grain))
    return ImageChops.add(image, grain, scale=1.0, offset=-amplitude)


def speckle(draw: ImageDraw.ImageDraw, rng: random.Random, box: tuple[int, int, int, int],
            count: int, colour: Colour, size: int = 3) -> None:
    """Scatter small dots (grime, gravel, leaves) over a box."""
    left, top, right, bottom = box
    for _ in range(count):
        x = rng.randint(left, right)
        y = rng.randint(top, bottom)
        draw.ellipse((x, y, x + size, y + size), fill=jitter(colour, rng, 18))


def bricks(draw: ImageDraw.ImageDraw, rng: random.Random, box: tuple[int, int, int, int], base: Colour,
           brick: tuple[int, int] = (44, 16)) -> None:
    """Fill a box with a running-bond brick pattern in shades of `base`."""
    left, top, right, bottom = box
    draw.rectangle(box, fill=tuple(max(0, c - 30) for c in base))
    brick_w, brick_h = brick
    for row, y in enumerate(range(top, bottom, brick_h + 3)):
        offset = (brick_w // 2) * (row % 2)
        for x in range(left - offset, right, brick_w + 3):
            draw.rectangle((max(left, x), y, min(right, x + brick_w), min(bottom, y + brick_h)),
                           fill=jitter(base, rng, 10))


def window_grid(draw: ImageDraw.ImageDraw, rng: random.Random, box: tuple[int, int, int, int],
                cols: int, rows: int, lit: float = 0.3) -> None:
    """Draw a regular grid of windows, some lit, inside a box."""
    left, top, right, bottom = box
    cell_w = (right - left) / cols
    cell_h = (bottom - top) / rows
    for row in range(rows):
        for col in range(cols):
            x0 = left + col * cell_w + cell_w * 0.18
            y0 = top + row * cell_h + cell_h * 0.15
            glass = (238, 226, 180) if rng.random() < lit else jitter((70, 84, 98), rng, 14)
            draw.rectangle((x0, y0, x0 + cell_w * 0.64, y0 + cell_h * 0.7), fill=glass, outline=(60, 60, 64))


def person(draw: ImageDraw.ImageDraw, rng: random.Random, x: float, feet_y: float, height: float) -> float:
    """Draw a standing person centred on x; return the y of the top of the head."""
    head = height * 0.13
    shoulders = height * 0.26
    body_top = feet_y - height + head
    hip_y = feet_y - height * 0.47
    skin = rng.choice(SKIN_TONES)
    shirt = jitter(rng.choice(CLOTHES), rng)
    trousers = jitter(rng.choice(CLOTHES), rng)

    draw.rectangle((x - shoulders * 0.45, hip_y, x - 3, feet_y), fill=trousers)
    draw.rectangle((x + 3, hip_y, x + shoulders * 0.45, feet_y), fill=trousers)
    draw.rounded_rectangle((x - shoulders / 2, body_top + head * 0.1, x + shoulders / 2, hip_y + height * 0.04),
                           radius=int(head * 0.4), fill=shirt)
    draw.ellipse((x - head * 0.42, body_top - head * 0.9, x + head * 0.42, body_top + head * 0.1), fill=skin)
    draw.chord((x - head * 0.44, body_top - head * 0.95, x + head * 0.44, body_top - head * 0.2),
               180, 360, fill=jitter((60, 45, 35), rng, 20))
    return body_top - head * 0.9


def tree(draw: ImageDraw.ImageDraw, rng: random.Random, x: float, ground_y: float, height: float) -> None:
    """Draw a simple tree: a trunk and a cluster of foliage blobs."""
    trunk_w = height * 0.06
    draw.rectangle((x - trunk_w / 2, ground_y - height * 0.45, x + trunk_w / 2, ground_y), fill=(92, 72, 56))
    for _ in range(7):
        radius = height * rng.uniform(0.16, 0.24)
        cx = x + rng.uniform(-0.22, 0.22) * height
        cy = ground_y - height * rng.uniform(0.55, 0.8)
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=jitter((84, 112, 80), rng, 14))


def car(draw: ImageDraw.ImageDraw, rng: random.Random, x: float, bottom_y: float, width: float) -> None:
    """Draw a boxy car seen from behind or the side."""
    height = width * 0.42
    body = jitter(rng.choice(((90, 96, 104), (150, 148, 140), (60, 64, 70), (120, 104, 96))), rng)
    draw.rounded_rectangle((x, bottom_y - height * 0.62, x + width, bottom_y - height * 0.12),
                           radius=int(width * 0.06), fill=body)
    draw.rounded_rectangle((x + width * 0.18, bottom_y - height, x + width * 0.82, bottom_y - height * 0.55),
                           radius=int(width * 0.08), fill=tuple(max(0, c - 20) for c in body))
    draw.rectangle((x + width * 0.24, bottom_y - height * 0.92, x + width * 0.76, bottom_y - height * 0.62),
                   fill=(60, 72, 84))
    for wheel_x in (x + width * 0.12, x + width * 0.72):
        draw.ellipse((wheel_x, bottom_y - height * 0.28, wheel_x + width * 0.16, bottom_y), fill=(28, 28, 28))


def draw_panel(draw: ImageDraw.ImageDraw, panel: Panel, border: int = 3) -> None:
    """Paint a labelled panel: its palette fill, a darker rim, the name and the subline."""
    colour = PALETTE_BY_NAME[panel.label.colour]
    rim = tuple(max(0, int(channel * 0.55)) for channel in colour.rgb)
    if panel.label.colour == "black":
        rim = (90, 90, 90)
    draw.rectangle(panel.box, fill=colour.rgb, outline=rim, width=border)

    draw.text(panel.baseline, panel.label.text, font=load_font(panel.font, panel.size),
              fill=colour.text_rgb, anchor="ls")
    if panel.label.subline:
        sub_style = SUBLINE_FONTS.get(panel.font, panel.font)
        draw.text(panel.sub_baseline, panel.label.subline, font=load_font(sub_style, panel.sub_size),
                  fill=colour.text_rgb, anchor="ls")
