"""Interiors and wide views: shop shelves, a gallery wall, a landmark plaza, a skyline.

Same contract as `scenes_street`: `layout_*` places the twelve panels and records scenery in
`props`; `paint_*` draws the scenery underneath them.
"""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from pix2fact.tasks.sample import drawing
from pix2fact.tasks.sample.layout import Label, Panel, Scene, place_panel

Layout = tuple[list[Panel], dict]


# Retail & commercial interior: two shelving units, four shelves each, labels on shelf edges.

_UNITS = ((150, 1850), (1990, 3690))
_SHELVES = (520, 860, 1200, 1540)


def layout_retail(rng: random.Random, labels: list[Label]) -> Layout:
    slots = [(left + (right - left) * (k + 0.5) / 3, y)
             for left, right in _UNITS for y in _SHELVES for k in range(3)]
    chosen = sorted(rng.sample(slots, len(labels)))
    panels = [place_panel(label, "sans", rng.choice((12, 13, 14)), (x + rng.randint(-90, 90), y + 26))
              for label, (x, y) in zip(labels, chosen)]
    return panels, {}


def paint_retail(image: Image.Image, draw: ImageDraw.ImageDraw, rng: random.Random, scene: Scene) -> None:
    image.paste(drawing.vertical_gradient((scene.width, 1760), (214, 210, 200), (190, 186, 176)), (0, 0))
    for x in range(0, scene.width, 480):
        draw.rectangle((x + 60, 30, x + 420, 70), fill=(236, 236, 226))
    image.paste(drawing.vertical_gradient((scene.width, 400), (170, 164, 150), (140, 134, 122)), (0, 1760))
    for x in range(-400, scene.width + 400, 160):
        draw.line((x, 1760, x + (x - 1920) * 0.5, scene.height), fill=(124, 118, 108), width=2)

    for left, right in _UNITS:
        draw.rectangle((left - 20, 150, right + 20, 1760), fill=(96, 90, 84))
        draw.rectangle((left, 170, right, 1740), fill=(206, 200, 190))
        for shelf in _SHELVES:
            x = left + 10
            while x < right - 70:
                width = rng.randint(50, 130)
                height = rng.randint(120, 280)
                body = drawing.jitter(rng.choice(((190, 170, 140), (150, 160, 170), (170, 140, 130),
                                                  (140, 150, 120), (200, 190, 170), (160, 130, 150))), rng, 16)
                if rng.random() < 0.4:
                    draw.rounded_rectangle((x, shelf - height, x + width, shelf), radius=width // 3, fill=body)
                else:
                    draw.rectangle((x, shelf - height, x + width, shelf), fill=body)
                draw.rectangle((x + 8, shelf - height * 0.6, x + width - 8, shelf - height * 0.45),
                               fill=drawing.jitter((236, 228, 210), rng))
                x += width + rng.randint(4, 14)
            draw.rectangle((left, shelf, right, shelf + 52), fill=(168, 164, 160), outline=(120, 116, 112))
    for _ in range(2):
        drawing.person(draw, rng, rng.choice((rng.randint(40, 130), rng.randint(3720, 3800))),
                       rng.randint(2100, 2150), rng.randint(800, 900))


# Public & cultural interior: a gallery wall hung in two rows, a plaque under each frame.

def layout_gallery(rng: random.Random, labels: list[Label]) -> Layout:
    panels, frames = [], []
    queue = list(labels)
    for frame_top, frame_bottom in ((180, 640), (860, 1340)):
        for slot in range(6):
            x = 360 + slot * 624 + rng.randint(-30, 30)
            width = rng.randint(300, 470)
            top = frame_top + rng.randint(0, 80)
            frames.append((x - width / 2, top, x + width / 2, frame_bottom))
            panels.append(place_panel(queue.pop(), "serif", rng.choice((13, 14)), (x, frame_bottom + 62)))
    return panels, {"frames": frames}


def paint_gallery(image: Image.Image, draw: ImageDraw.ImageDraw, rng: random.Random, scene: Scene) -> None:
    image.paste(drawing.vertical_gradient((scene.width, 1720), (222, 214, 200), (200, 192, 178)), (0, 0))
    image.paste(drawing.vertical_gradient((scene.width, 440), (150, 112, 82), (118, 84, 58)), (0, 1720))
    for y in range(1730, scene.height, 34):
        draw.line((0, y, scene.width, y), fill=(110, 80, 56), width=2)
    draw.rectangle((0, 1700, scene.width, 1720), fill=(170, 160, 146))

    for left, top, right, bottom in scene.props["frames"]:
        draw.rectangle((left - 18, top - 18, right + 18, bottom + 18), fill=drawing.jitter((150, 120, 70), rng))
        draw.rectangle((left, top, right, bottom), fill=drawing.jitter((200, 190, 170), rng, 20))
        for _ in range(9):
            x0 = rng.uniform(left, right - 40)
            y0 = rng.uniform(top, bottom - 40)
            shade = drawing.jitter(rng.choice(((160, 120, 100), (110, 130, 140), (180, 170, 120), (120, 110, 130))), rng, 25)
            shape = (x0, y0, min(right, x0 + rng.uniform(40, 200)), min(bottom, y0 + rng.uniform(40, 200)))
            if rng.random() < 0.5:
                draw.ellipse(shape, fill=shade)
            else:
                draw.rectangle(shape, fill=shade)

    draw.rectangle((1500, 1880, 2340, 1930), fill=(96, 80, 64))
    for x in (1540, 2280):
        draw.rectangle((x, 1930, x + 24, 2060), fill=(70, 60, 50))
    for x in (420, 3300, 2700):
        drawing.person(draw, rng, x + rng.randint(-80, 80), rng.randint(2120, 2150), rng.randint(560, 600))


# Landmarks & attractions: a clock tower on a plaza, information boards in three depth rows.

_BOARD_ROWS = ((1120, 1230, 12, (320, 1000, 2840, 3520)),
               (1420, 1580, 13, (560, 1380, 2460, 3280)),
               (1770, 1990, 14, (260, 1150, 2700, 3580)))


def layout_landmark(rng: random.Random, labels: list[Label]) -> Layout:
    panels, posts = [], []
    queue = list(labels)
    for centre_y, ground_y, size, xs in _BOARD_ROWS:
        for x in xs:
            x += rng.randint(-40, 40)
            panels.append(place_panel(queue.pop(), "sans", size + rng.randint(0, 1), (x, centre_y)))
            posts.append((x, centre_y, ground_y, size))
    return panels, {"posts": posts}


def paint_landmark(image: Image.Image, draw: ImageDraw.ImageDraw, rng: random.Random, scene: Scene) -> None:
    image.paste(drawing.vertical_gradient((scene.width, 1060), (150, 180, 214), (210, 220, 226)), (0, 0))
    image.paste(drawing.vertical_gradient((scene.width, 1100), (196, 188, 170), (164, 154, 136)), (0, 1060))
    for y in range(1080, scene.height, 70):
        draw.line((0, y, scene.width, y), fill=(150, 142, 126), width=2)
    for x in range(0, scene.width, 520):
        drawing.tree(draw, rng, x + rng.randint(0, 200), 1080, rng.randint(260, 380))

    draw.rectangle((1700, 380, 2140, 1150), fill=(168, 150, 124))
    drawing.bricks(draw, rng, (1720, 400, 2120, 1130), (176, 158, 132), brick=(40, 18))
    draw.polygon(((1680, 380), (2160, 380), (1920, 120)), fill=(104, 96, 92))
    draw.ellipse((1820, 470, 2020, 670), fill=(236, 232, 220), outline=(60, 56, 50), width=8)
    draw.line((1920, 570, 1920, 500), fill=(40, 40, 40), width=8)
    draw.line((1920, 570, 1975, 600), fill=(40, 40, 40), width=6)
    draw.rectangle((1650, 1130, 2190, 1180), fill=(140, 130, 118))

    for x, centre_y, ground_y, size in scene.props["posts"]:
        width = max(6, size // 2)
        draw.rectangle((x - 60, centre_y, x - 60 + width, ground_y), fill=(70, 66, 62))
        draw.rectangle((x + 60 - width, centre_y, x + 60, ground_y), fill=(70, 66, 62))
    for _ in range(7):
        feet = rng.randint(1300, 2150)
        drawing.person(draw, rng, rng.randint(100, 3740), feet, 120 + (feet - 1100) * 0.5)


# Cityscape & aerial: twelve towers of alternating height, a sign on every roof, a river below.

def layout_city(rng: random.Random, labels: list[Label]) -> Layout:
    widths = [rng.randint(290, 350) for _ in labels]
    scale = 3840 / sum(widths)
    panels, towers = [], []
    left = 0.0
    for number, (label, width) in enumerate(zip(labels, widths)):
        width *= scale
        roof = rng.randint(560, 780) if number % 2 == 0 else rng.randint(960, 1200)
        size = 14
        panel = place_panel(label, "sans", size, (left + width / 2, 0))
        while size > 12 and panel.box[2] - panel.box[0] > width - 16:
            size -= 1
            panel = place_panel(label, "sans", size, (left + width / 2, 0))
        height = panel.box[3] - panel.box[1]
        panels.append(place_panel(label, "sans", size, (left + width / 2, roof - 34 - height / 2)))
        towers.append((round(left), round(left + width), roof))
        left += width
    return panels, {"towers": towers}


def paint_city(image: Image.Image, draw: ImageDraw.ImageDraw, rng: random.Random, scene: Scene) -> None:
    image.paste(drawing.vertical_gradient((scene.width, 1800), (132, 164, 204), (222, 214, 204)), (0, 0))
    for _ in range(22):
        left = rng.randint(-100, 3800)
        top = rng.randint(300, 700)
        draw.rectangle((left, top, left + rng.randint(160, 320), 1800), fill=drawing.jitter((176, 184, 194), rng, 8))

    for left, right, roof in scene.props["towers"]:
        body = drawing.jitter(rng.choice(((112, 118, 128), (140, 130, 120), (96, 104, 110), (150, 146, 138))), rng)
        draw.rectangle((left + 6, roof, right - 6, 1800), fill=body)
        drawing.window_grid(draw, rng, (left + 20, roof + 30, right - 20, 1780), cols=5,
                            rows=(1800 - roof) // 60, lit=0.2)
        draw.rectangle((left + 4, roof - 10, right - 4, roof), fill=tuple(c - 24 for c in body))
        centre = (left + right) / 2
        for x in (centre - 60, centre + 56):
            draw.rectangle((x, roof - 36, x + 4, roof - 10), fill=(60, 60, 64))

    image.paste(drawing.vertical_gradient((scene.width, 360), (96, 116, 130), (70, 88, 104)), (0, 1800))
    for _ in range(160):
        x = rng.randint(0, scene.width)
        y = rng.randint(1820, scene.height)
        draw.line((x, y, x + rng.randint(30, 140), y), fill=(130, 150, 164), width=2)
    draw.rectangle((0, 1790, scene.width, 1810), fill=(120, 116, 108))
