"""Small JPEG copies of a run's images for the HTML report, written once into its files folder.

The report never links a 4K original or a full-size crop, because a page with hundreds of tasks
has to load quickly. Each image is shrunk to a fixed width and named by the hash of its source
path, modification time and width, so a second report reuses the files already written.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from PIL import Image, UnidentifiedImageError

logger = logging.getLogger(__name__)

THUMBNAIL_WIDTH = 480  # px; the task image with its boxes drawn over it
CROP_WIDTH = 240  # px; each crop the agent took
JPEG_QUALITY = 80


class ImageWriter:
    """Writes shrunken copies of images into `folder`, returning paths relative to the page."""

    def __init__(self, folder: Path, page_folder: Path) -> None:
        self.folder = folder
        self.page_folder = page_folder
        self.written = 0
        self.failed: list[str] = []

    def shrink(self, source: Path, width: int) -> str | None:
        """Write a copy of `source` at most `width` px wide.

        Returns:
            The copy's path relative to the page, or None when the source is missing or not an
            image. That case is logged once per file, and the page shows a placeholder.
        """
        key = f"{source.resolve()}|{source.stat().st_mtime_ns if source.exists() else 0}|{width}"
        name = hashlib.sha256(key.encode()).hexdigest()[:20] + ".jpg"
        target = self.folder / name
        relative = target.relative_to(self.page_folder).as_posix() if target.is_relative_to(self.page_folder) else target.as_posix()
        if target.exists():
            return relative

        try:
            with Image.open(source) as image:
                # draft() lets the JPEG decoder skip detail a small copy cannot show, which makes
                # shrinking a 4K original several times faster.
                image.draft("RGB", (width, width * image.height // max(1, image.width)))
                picture = image.convert("RGB")
        except (OSError, UnidentifiedImageError) as error:
            if str(source) not in self.failed:
                self.failed.append(str(source))
                logger.warning("report: cannot read image %s (%s); the page shows a placeholder", source, error)
            return None

        if picture.width > width:
            height = max(1, round(picture.height * width / picture.width))
            picture = picture.resize((width, height), Image.Resampling.LANCZOS)

        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".tmp")
        picture.save(temporary, "JPEG", quality=JPEG_QUALITY, optimize=True)
        temporary.replace(target)
        self.written += 1
        return relative
