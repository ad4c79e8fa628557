"""Which ns-3 seed each episode runs, and seeding the agent's random number generators.

One rule for every command: an episode's seed is `seed * 100_000 + stream offset + episode`, where `seed` is the
run's --seed and the stream says what the episode is for; `SlicingEnv.reset(seed=s)` then runs ns-3 with
RngRun = s + 1. Two streams are special on purpose:
- evaluation ignores the run's seed, so that every method and every training seed is judged on the same
  episodes (EVAL_SEED_BASE + e);
- `pamrl simulate --seed S` runs S, S + 1, ...: there the user names the first episode's seed.
"""

from __future__ import annotations

import random
from typing import Literal

import numpy as np
import torch

Stream = Literal["train", "pretrain", "evaluate", "simulate"]
SEEDS_PER_RUN = 100_000
PRETRAIN_OFFSET = 50_000  # adapter pre-training sees other episodes than training with the same --seed
EVAL_SEED_BASE = 10**6  # evaluation episode e runs seed EVAL_SEED_BASE + e, for every method alike


def episode_seed(seed: int, episode: int, stream: Stream = "train") -> int:
    if stream == "train":
        return seed * SEEDS_PER_RUN + episode
    if stream == "pretrain":
        return seed * SEEDS_PER_RUN + PRETRAIN_OFFSET + episode
    if stream == "evaluate":
        return EVAL_SEED_BASE + episode
    if stream == "simulate":
        return seed + episode
    raise ValueError(f"unknown seed stream {stream!r}")


def seed_everything(seed: int) -> np.random.Generator:
    """Seeds Python's and torch's global generators; returns the run's own numpy generator."""
    random.seed(seed)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)
