"""Lay out and render a sample image for any of the eight categories.

`layout_scene` is pure geometry and runs while the task rows are planned. `render_scene` draws
the pixels later, possibly in another process, from the picklable `Scene` alone.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image, ImageDraw

from pix2fact.tasks.sample import scenes_places, scenes_street
from pix2fact.tasks.sample.drawing import add_noise, draw_panel
from pix2fact.tasks.sample.layout import Label, Scene, check_panels

WIDTH, HEIGHT = 3840, 2160
JPEG_QUALITY = 90

_PAINTERS = {
    "Street scene with people": (scenes_street.layout_street, scenes_street.paint_street),
    "Storefronts & facades": (scenes_street.layout_storefront, scenes_street.paint_storefront),
    "Retail & commercial interior": (scenes_places.layout_retail, scenes_places.paint_retail),
    "Traffic & infrastructure": (scenes_street.layout_traffic, scenes_street.paint_traffic),
    "Markets & outdoor vendors": (scenes_street.layout_market, scenes_street.paint_market),
    "Public & cultural interior": (scenes_places.layout_gallery, scenes_places.paint_gallery),
    "Landmarks & attractions": (scenes_places.layout_landmark, scenes_places.paint_landmark),
    "Cityscape & aerial": (scenes_places.layout_city, scenes_places.paint_city),
}

PANELS_PER_SCENE = 12


def layout_scene(index: str, category: str, seed: str, labels: list[Label]) -> Scene:
    """Place the labels of one image and return the scene, ready to render.

    Args:
        index: the task id, used in error messages.
        category: one of `pix2fact.tasks.model.CATEGORIES`.
        seed: the per-image seed string; layout and painting draw from separate streams of it.
        labels: exactly `PANELS_PER_SCENE` labels, one of them with role "target".
    """
    if len(labels) != PANELS_PER_SCENE:
        raise ValueError(f"{index}: expected exactly {PANELS_PER_SCENE} labels per scene, got {len(labels)}")
    layout, _ = _PAINTERS[category]
    panels, props = layout(random.Random(f"{seed}:layout"), labels)
    check_panels(index, panels, WIDTH, HEIGHT)
    return Scene(index=index, category=category, width=WIDTH, height=HEIGHT, seed=seed,
                 panels=tuple(panels), props=props)


def render_scene(scene: Scene) -> Image.Image:
    """Draw the scenery, then the panels on top, then photo-like grain."""
    rng = random.Random(f"{scene.seed}:paint")
    image = Image.new("RGB", (scene.width, scene.height), (128, 128, 128))
    draw = ImageDraw.Draw(image)
    _, paint = _PAINTERS[scene.category]
    paint(image, draw, rng, scene)

    for panel in scene.panels:
        draw_panel(draw, panel)
    return add_noise(image, rng)


def encode_jpeg(image: Image.Image) -> bytes:
    """Return JPEG bytes with fixed settings, so equal pixels always give equal bytes."""
    buffer = io.BytesIO()
    # 4:4:4 chroma keeps the edges of small coloured text sharp enough to read when cropped.
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY, subsampling=0, optimize=False)
    return buffer.getvalue()


def write_scene(scene: Scene, path: Path) -> Path:
    """Render a scene and write it as a JPEG; returns the path (process-pool friendly)."""
    path.write_bytes(encode_jpeg(render_scene(scene)))
    return path
