"""Progress bars for long jobs: tqdm, redrawn at most once a second (CI logs stay readable).
PAMRL_PROGRESS=0 turns them off."""

from __future__ import annotations

import os

from tqdm import tqdm


def progress(iterable=None, **kwargs) -> tqdm:
    kwargs.setdefault("mininterval", 1.0)
    kwargs.setdefault("disable", os.environ.get("PAMRL_PROGRESS", "1") == "0")
    return tqdm(iterable, **kwargs)
