"""Street-level outdoor scenes: people with placards, shop facades, market stalls, road signs.

Each category has a `layout_*` function, which places the twelve labelled panels and records
the scenery geometry in `props`, and a `paint_*` function, which draws that scenery before the
panels go on top.
"""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from pix2fact.tasks.sample import drawing
from pix2fact.tasks.sample.layout import Label, Panel, Scene, place_panel

Layout = tuple[list[Panel], dict]


def _raised(label: Label, font: str, size: int, x: float, bottom: float) -> Panel:
    """Place a panel centred on x whose bottom edge sits at `bottom`."""
    probe = place_panel(label, font, size, (x, 0))
    height = probe.box[3] - probe.box[1]
    return place_panel(label, font, size, (x, bottom - height / 2))


# Street scene with people: three depth rows of people, four placards per row.

_CROWD_ROWS = ((1330, 430, 12, 0), (1640, 560, 13, 300), (2060, 740, 14, -140))


def layout_street(rng: random.Random, labels: list[Label]) -> Layout:
    panels, people = [], []
    queue = list(labels)
    for feet, height, size, shift in _CROWD_ROWS:
        for slot in range(4):
            x = 470 + slot * 960 + shift + rng.randint(-60, 60)
            head_top = feet - height * 0.99
            panels.append(_raised(queue.pop(), "sans", size + rng.randint(0, 1), x, head_top - 30))
            people.append((x, feet, height, len(panels) - 1))
        for _ in range(2):
            people.append((rng.randint(100, 3740), feet + rng.randint(-20, 20), height * rng.uniform(0.9, 1.05), -1))
    return panels, {"people": sorted(people, key=lambda p: p[1])}


def paint_street(image: Image.Image, draw: ImageDraw.ImageDraw, rng: random.Random, scene: Scene) -> None:
    x = 0
    while x < scene.width:
        width = rng.randint(420, 700)
        wall = drawing.jitter(rng.choice(drawing.WALLS), rng)
        draw.rectangle((x, 0, x + width, 1180), fill=wall)
        drawing.window_grid(draw, rng, (x + 30, 60, x + width - 30, 900), cols=width // 150, rows=4, lit=0.15)
        draw.rectangle((x + 40, 950, x + width - 40, 1180), fill=drawing.jitter((70, 66, 62), rng))
        x += width
    image.paste(drawing.vertical_gradient((scene.width, 980), (150, 146, 140), (188, 184, 176)), (0, 1180))
    for y in range(1220, scene.height, 90):
        draw.line((0, y, scene.width, y), fill=(140, 136, 130), width=2)
    drawing.speckle(draw, rng, (0, 1190, scene.width, scene.height), 900, (120, 116, 110))

    for x, feet, height, placard in scene.props["people"]:
        head_top = drawing.person(draw, rng, x, feet, height)
        if placard >= 0:
            panel = scene.panels[placard]
            draw.line((x + 4, panel.box[3], x + 4, head_top + height * 0.3), fill=(120, 96, 70), width=6)


# Storefronts & facades: six buildings, a fascia sign over each shop and a sign upstairs.

def layout_storefront(rng: random.Random, labels: list[Label]) -> Layout:
    widths = [rng.randint(590, 690) for _ in range(6)]
    scale = 3840 / sum(widths)
    edges = [0]
    for width in widths:
        edges.append(round(edges[-1] + width * scale))
    edges[-1] = 3840

    panels, buildings = [], []
    queue = list(labels)
    for left, right in zip(edges, edges[1:]):
        centre = (left + right) / 2
        buildings.append((left, right, rng.randint(120, 420), rng.random() < 0.5))
        panels.append(place_panel(queue.pop(), "sans", rng.choice((13, 14, 15)), (centre, 1232)))
        upper = (centre + rng.randint(-110, 110), rng.randint(720, 900))
        panels.append(place_panel(queue.pop(), "sans", rng.choice((12, 13)), upper))
    return panels, {"buildings": buildings}


def paint_storefront(image: Image.Image, draw: ImageDraw.ImageDraw, rng: random.Random, scene: Scene) -> None:
    image.paste(drawing.vertical_gradient((scene.width, 700), (170, 196, 222), (214, 224, 232)), (0, 0))
    for left, right, roof, brick in scene.props["buildings"]:
        wall = drawing.jitter(rng.choice(drawing.WALLS), rng)
        if brick:
            drawing.bricks(draw, rng, (left, roof, right, 1190), wall)
        else:
            draw.rectangle((left, roof, right, 1190), fill=wall)
        draw.rectangle((left, roof - 24, right, roof), fill=drawing.jitter((110, 100, 94), rng))
        drawing.window_grid(draw, rng, (left + 40, roof + 60, right - 40, 680), cols=3, rows=2, lit=0.1)
        drawing.window_grid(draw, rng, (left + 40, 960, right - 40, 1150), cols=3, rows=1, lit=0.1)

        draw.rectangle((left, 1190, right, 1850), fill=drawing.jitter((64, 60, 58), rng))
        draw.rectangle((left + 30, 1380, right - 190, 1800), fill=drawing.jitter((96, 116, 130), rng))
        draw.rectangle((right - 160, 1400, right - 40, 1850), fill=drawing.jitter((86, 70, 60), rng))
        stripe_a, stripe_b = drawing.jitter((214, 204, 184), rng), drawing.jitter((150, 128, 112), rng)
        for number, x in enumerate(range(left + 10, right - 10, 40)):
            draw.polygon(((x, 1275), (x + 40, 1275), (x + 52, 1350), (x + 12, 1350)),
                         fill=stripe_a if number % 2 else stripe_b)
        draw.line((left, 1190, left, 1850), fill=(50, 48, 46), width=6)

    image.paste(drawing.vertical_gradient((scene.width, 310), (172, 168, 160), (130, 128, 124)), (0, 1850))
    drawing.speckle(draw, rng, (0, 1850, scene.width, scene.height), 500, (110, 108, 104))
    for _ in range(5):
        drawing.person(draw, rng, rng.randint(100, 3740), rng.randint(2040, 2140), rng.randint(430, 520))


# Markets & outdoor vendors: a back row and a front row of six stalls each.

_STALL_ROWS = ((380, 616, 700, 12, 500), (330, 636, 1180, 14, 600))


def layout_market(rng: random.Random, labels: list[Label]) -> Layout:
    panels, stalls = [], []
    queue = list(labels)
    for first, step, canopy_top, size, width in _STALL_ROWS:
        for slot in range(6):
            x = first + slot * step + rng.randint(-25, 25)
            panels.append(place_panel(queue.pop(), "sans", size + rng.randint(0, 1), (x, canopy_top + 95)))
            stalls.append((x, width, canopy_top, size / 14))
    return panels, {"stalls": stalls}


def paint_market(image: Image.Image, draw: ImageDraw.ImageDraw, rng: random.Random, scene: Scene) -> None:
    image.paste(drawing.vertical_gradient((scene.width, 640), (186, 204, 220), (220, 222, 220)), (0, 0))
    x = 0
    while x < scene.width:
        width = rng.randint(380, 640)
        top = rng.randint(80, 300)
        draw.rectangle((x, top, x + width, 660), fill=drawing.jitter(rng.choice(drawing.WALLS), rng))
        drawing.window_grid(draw, rng, (x + 20, top + 30, x + width - 20, 620), cols=width // 130, rows=3, lit=0.1)
        x += width
    image.paste(drawing.vertical_gradient((scene.width, 1500), (150, 140, 126), (118, 108, 96)), (0, 660))
    for y in range(680, scene.height, 38):
        offset = (y // 38 % 2) * 30
        for x in range(-offset, scene.width, 60):
            draw.rectangle((x, y, x + 56, y + 34), outline=(104, 96, 86))

    for x, width, canopy_top, scale in scene.props["stalls"]:
        half = width / 2
        stripe_a, stripe_b = drawing.jitter((222, 212, 190), rng), drawing.jitter((160, 124, 112), rng)
        stripes = 8
        for number in range(stripes):
            x0 = x - half + number * width / stripes
            draw.rectangle((x0, canopy_top, x0 + width / stripes, canopy_top + 170 * scale),
                           fill=stripe_a if number % 2 else stripe_b)
        # A plain wooden fascia behind the banner, as on real stalls.
        draw.rectangle((x - half, canopy_top + 60 * scale, x + half, canopy_top + 132 * scale),
                       fill=drawing.jitter((96, 82, 68), rng))
        draw.line((x - half + 10, canopy_top, x - half + 10, canopy_top + 520 * scale), fill=(80, 70, 60), width=8)
        draw.line((x + half - 10, canopy_top, x + half - 10, canopy_top + 520 * scale), fill=(80, 70, 60), width=8)
        table_top = canopy_top + 360 * scale
        draw.rectangle((x - half + 20, table_top, x + half - 20, table_top + 130 * scale),
                       fill=drawing.jitter((120, 94, 70), rng))
        for _ in range(26):
            radius = rng.uniform(9, 16) * scale
            cx = rng.uniform(x - half + 40, x + half - 40)
            cy = table_top - rng.uniform(0, 30) * scale
            produce = rng.choice(((176, 120, 90), (150, 160, 100), (190, 170, 120), (130, 100, 110)))
            draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=drawing.jitter(produce, rng))
    for _ in range(6):
        drawing.person(draw, rng, rng.randint(100, 3740), rng.randint(2080, 2150), rng.randint(380, 480))


# Traffic & infrastructure: an overhead gantry with four signs and four roadside poles.

_GANTRY_X = (900, 1560, 2280, 2940)
_POLES = ((240, 760), (700, 1010), (3600, 760), (3140, 1010))


def layout_traffic(rng: random.Random, labels: list[Label]) -> Layout:
    panels = []
    queue = list(labels)
    for x in _GANTRY_X:
        panels.append(place_panel(queue.pop(), "condensed", rng.choice((13, 14, 15)), (x + rng.randint(-30, 30), 485)))
    for x, top in _POLES:
        for row in range(2):
            panels.append(place_panel(queue.pop(), "condensed", rng.choice((12, 13)), (x, top + row * 92)))
    cars = [(rng.uniform(1500, 2200), rng.uniform(1050, 2000)) for _ in range(5)]
    return panels, {"cars": sorted(cars, key=lambda car: car[1])}


def paint_traffic(image: Image.Image, draw: ImageDraw.ImageDraw, rng: random.Random, scene: Scene) -> None:
    image.paste(drawing.vertical_gradient((scene.width, 880), (160, 186, 214), (214, 222, 228)), (0, 0))
    image.paste(drawing.vertical_gradient((scene.width, 1280), (128, 140, 110), (98, 112, 86)), (0, 880))
    for x in range(0, scene.width, 260):
        drawing.tree(draw, rng, x + rng.randint(-60, 60), 900, rng.randint(200, 320))
    draw.polygon(((1660, 880), (2180, 880), (4500, 2160), (-660, 2160)), fill=(92, 92, 96))
    for lane in (-0.5, 0.0, 0.5):
        for step in range(12):
            t0, t1 = step / 12, (step + 0.45) / 12
            y0, y1 = 880 + 1280 * t0 ** 1.6, 880 + 1280 * t1 ** 1.6
            x0 = 1920 + lane * (260 + 2560 * (y0 - 880) / 1280)
            x1 = 1920 + lane * (260 + 2560 * (y1 - 880) / 1280)
            draw.line((x0, y0, x1, y1), fill=(226, 222, 210), width=max(2, int(3 + 14 * t0)))
    drawing.speckle(draw, rng, (0, 1000, scene.width, scene.height), 700, (110, 110, 110), size=2)
    for x, bottom in scene.props["cars"]:
        width = 120 + 420 * (bottom - 880) / 1280
        drawing.car(draw, rng, x - width / 2 + (x - 1920) * 0.6, bottom, width)

    draw.rectangle((560, 400, 600, 1500), fill=(120, 122, 126))
    draw.rectangle((3240, 400, 3280, 1500), fill=(120, 122, 126))
    draw.rectangle((560, 400, 3280, 440), fill=(132, 134, 138))
    for x, top in _POLES:
        draw.rectangle((x - 8, top - 40, x + 8, top + 560), fill=(118, 120, 124))
