"""Measure the image tools' cost on a 4K photo-like JPEG: decode once, then crop + resize + encode.

The crop tool decodes each task image once and then serves many crops from the decoded copy, so
a crop should cost no more than a small multiple of one decode. This script prints the median
time of each step, the ratio of the slowest crop to the decode (target: at most 2.5), and the
machine it ran on.

Run: .venv/bin/python benchmarks/bench_image.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import PIL
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from pix2fact.tools.base import ImageLimits
from pix2fact.tools.image.decode import DECODED_IMAGES, load_image
from pix2fact.tools.image.encode import encode_jpeg, fit_within, render_region

WIDTH, HEIGHT = 3840, 2160

# (label, box in original pixels): a sign, a storefront, a quarter of the frame, the whole frame.
CROPS = (
    ("small 120x80", (1800, 1000, 1920, 1080)),
    ("medium 400x300", (600, 400, 1000, 700)),
    ("large 1920x1080", (0, 0, 1920, 1080)),
    ("full 3840x2160", (0, 0, WIDTH, HEIGHT)),
)


def make_photo(path: Path) -> None:
    """Write a 3840x2160 JPEG with noise, shapes and text, so it compresses like a real photo."""
    noise = Image.frombytes("RGB", (WIDTH // 2, HEIGHT // 2), os.urandom(WIDTH * HEIGHT * 3 // 4))
    image = noise.resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(1.5))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=28)
    for index in range(60):
        left = (index * 613) % (WIDTH - 300)
        top = (index * 347) % (HEIGHT - 200)
        colour = ((index * 53) % 256, (index * 97) % 256, (index * 151) % 256)
        if index % 3 == 0:
            draw.ellipse((left, top, left + 220, top + 160), fill=colour)
        else:
            draw.rectangle((left, top, left + 280, top + 120), fill=colour, outline=(0, 0, 0), width=3)
        draw.text((left + 12, top + 40), f"SHOP {index:02d} +44 20 7491 {index:04d}", fill=(255, 255, 255), font=font)
    image.save(path, format="JPEG", quality=92)


def cpu_name() -> str:
    """Return the CPU model from /proc/cpuinfo on Linux, where platform.processor() is often empty."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def median_ms(action, repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def crop_once(path: Path, box: tuple[int, int, int, int], limits: ImageLimits) -> int:
    image = load_image(path)
    width = box[2] - box[0]
    height = box[3] - box[1]
    zoom = min(8.0, limits.max_side / max(width, height))
    size = fit_within(round(width * zoom), round(height * zoom), limits.max_side)
    return len(encode_jpeg(render_region(image, box, size), limits).data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per step; the median is shown")
    args = parser.parse_args()
    limits = ImageLimits()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "photo.jpg"
        make_photo(path)
        file_kb = path.stat().st_size / 1024

        def decode() -> None:
            DECODED_IMAGES.clear()
            load_image(path)

        decode()  # warm the file cache, so the decode time is CPU time, not disk time
        decode_ms = median_ms(decode, args.repeat)
        load_image(path)

        rows = []
        for label, box in CROPS:
            output_bytes = crop_once(path, box, limits)
            rows.append((label, median_ms(lambda box=box: crop_once(path, box, limits), args.repeat), output_bytes))

    print(f"machine: {os.cpu_count()} CPUs, {platform.machine()}, {cpu_name()}")
    print(f"python {sys.version.split()[0]}, Pillow {PIL.__version__}, limits max_side={limits.max_side}")
    print(f"input: {WIDTH}x{HEIGHT} JPEG, {file_kb:.0f} KiB; median of {args.repeat} runs\n")
    print(f"{'step':<32}{'ms':>9}{'x decode':>10}{'JPEG KiB':>10}")
    print(f"{'decode (full image)':<32}{decode_ms:>9.1f}{1.0:>10.2f}{'':>10}")
    for label, crop_ms, output_bytes in rows:
        print(f"{'crop+resize+encode ' + label:<32}{crop_ms:>9.1f}{crop_ms / decode_ms:>10.2f}{output_bytes / 1024:>10.0f}")

    worst = max(crop_ms for _, crop_ms, _ in rows) / decode_ms
    verdict = "within" if worst <= 2.5 else "ABOVE"
    print(f"\nslowest crop / decode = {worst:.2f} ({verdict} the 2.5x target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
