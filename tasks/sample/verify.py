"""Check that a built sample is solvable by looking and unreadable at overview size.

For each task the target's annotated box is cropped with 20 % padding, converted to grayscale,
upscaled 3x and read with tesseract (page segmentation mode 6). The same crop taken from a
1568-px-wide overview should not be readable. Run `python -m pix2fact.tasks.sample.verify
[FOLDER]` to print the figures for a folder (default: the cached seed-0 sample).

Requires the `tesseract` binary (Debian package tesseract-ocr).
"""

from __future__ import annotations

import ast
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytesseract
from PIL import Image, ImageOps

OVERVIEW_WIDTH = 1568
CAP_HEIGHT_RANGE = (8, 20)


@dataclass(frozen=True)
class OcrCheck:
    """The outcome for one task: what tesseract read at full and at overview resolution."""

    index: str
    expected: str
    read: str
    overview_read: str
    cap_height: int

    @property
    def readable(self) -> bool:
        return normalise(self.expected) in normalise(self.read)

    @property
    def readable_in_overview(self) -> bool:
        return normalise(self.expected) in normalise(self.overview_read)


def normalise(text: str) -> str:
    """Lower-case and keep only letters and digits, so OCR spacing and punctuation do not count."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def parse_box(bounding_box: str) -> tuple[float, float, float, float]:
    """Return (left, top, right, bottom) spanning every region of a release `bounding_box` string."""
    regions = ast.literal_eval(bounding_box)
    xs = [corner["x"] for item in regions for corner in item["region"].values()]
    ys = [corner["y"] for item in regions for corner in item["region"].values()]
    return min(xs), min(ys), max(xs), max(ys)


def read_box(image: Image.Image, box: tuple[float, float, float, float], pad: float = 0.2,
             scale: int = 3) -> str:
    """Crop a box with `pad` of its size on each side, upscale it and return tesseract's text."""
    left, top, right, bottom = box
    pad_x, pad_y = (right - left) * pad, (bottom - top) * pad
    crop = image.crop((max(0, int(left - pad_x)), max(0, int(top - pad_y)),
                       min(image.width, int(right + pad_x)), min(image.height, int(bottom + pad_y))))
    crop = ImageOps.grayscale(crop)
    crop = crop.resize((crop.width * scale, crop.height * scale), Image.Resampling.LANCZOS)
    return pytesseract.image_to_string(crop, config="--psm 6")


def check_task(folder: Path, row: dict, scene: dict) -> OcrCheck:
    """Run the full-size and overview OCR checks for one `tasks.jsonl` row."""
    target = next(panel for panel in scene["panels"] if panel["role"] == "target")
    box = parse_box(row["bounding_box"])
    with Image.open(folder / row["local_image_path"]) as image:
        image.load()
    read = read_box(image, box)

    factor = OVERVIEW_WIDTH / image.width
    overview = image.resize((OVERVIEW_WIDTH, round(image.height * factor)), Image.Resampling.LANCZOS)
    overview_read = read_box(overview, tuple(value * factor for value in box))
    return OcrCheck(index=row["index"], expected=target["text"], read=read.strip(),
                    overview_read=overview_read.strip(), cap_height=target["cap_height"])


def load_rows(folder: Path) -> tuple[list[dict], dict[str, dict]]:
    """Return the task rows and the scene rows (by index) of a built sample."""
    rows = [json.loads(line) for line in (folder / "tasks.jsonl").read_text(encoding="utf-8").splitlines()]
    scenes = [json.loads(line) for line in (folder / "scenes.jsonl").read_text(encoding="utf-8").splitlines()]
    return rows, {scene["index"]: scene for scene in scenes}


def check_sample(folder: Path) -> list[OcrCheck]:
    """Run `check_task` on every task of a built sample."""
    rows, scenes = load_rows(folder)
    return [check_task(folder, row, scenes[row["index"]]) for row in rows]


def main(argv: list[str]) -> int:
    from pix2fact.tasks.sample import ensure_sample

    folder = Path(argv[0]) if argv else ensure_sample()
    checks = check_sample(folder)
    for check in checks:
        status = "ok" if check.readable else "MISSED"
        print(f"{check.index}  cap {check.cap_height:2d} px  {status:6}  expected {check.expected!r}  "
              f"read {check.read!r}")
    low, high = CAP_HEIGHT_RANGE
    print(f"tesseract read {sum(c.readable for c in checks)}/{len(checks)} target names at full size, "
          f"{sum(c.readable_in_overview for c in checks)}/{len(checks)} at {OVERVIEW_WIDTH} px wide; "
          f"cap heights {min(c.cap_height for c in checks)}-{max(c.cap_height for c in checks)} px "
          f"(allowed {low}-{high})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
