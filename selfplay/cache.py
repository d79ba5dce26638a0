"""Folders cached on disk (warm-started models, evaluation sets), published atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def publish_folder(folder: Path, write: Callable[[str], None]) -> None:
    """Have `write` fill a staging folder beside `folder`, then rename it into place: a reader never sees a
    half-written folder. If another process published the same folder first, its copy is kept."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent)
    try:
        write(staging)
        os.rename(staging, folder)
    except OSError:
        if not folder.exists():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
