"""The bundled sample task set: 24 Pix2Fact-style tasks with their images and web snapshot.

Nothing is stored in the repository: the images, `tasks.jsonl` and the offline web snapshot are
generated from a seed, byte for byte the same on every machine with the same Pillow and libjpeg.

    from pix2fact.tasks.sample import ensure_sample
    folder = ensure_sample()          # built once into ~/.cache/pix2fact, then reused
    # folder / "tasks.jsonl", folder / "images", folder / "web"
"""

from pix2fact.tasks.sample.build import SAMPLE_VERSION, build_sample, is_complete
from pix2fact.tasks.sample.cache import default_sample_dir, ensure_sample

__all__ = ["SAMPLE_VERSION", "build_sample", "default_sample_dir", "ensure_sample", "is_complete"]
