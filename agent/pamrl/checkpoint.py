"""Checkpoints of a training run: everything needed to continue bit for bit on CPU (networks, prompt tokens,
adapters, optimisers, every random state) in checkpoint.pt, and the replay buffer as chunk files under replay/
(only what changed is rewritten: replay.py). Written atomically at episode boundaries; read with
torch.load(weights_only=True)."""

from __future__ import annotations

import dataclasses
import os
import random
from pathlib import Path

import numpy as np
import torch

from pamrl.config import TrainConfig, resume_mismatches
from pamrl.masac import MASAC
from pamrl.replay import ReplayBuffer

CHECKPOINT = "checkpoint.pt"
REPLAY_DIR = "replay"  # the replay buffer's chunk files, named by the checkpoint (replay.py)


def load(path: Path, device: torch.device | str = "cpu") -> dict:
    return torch.load(path, map_location=device, weights_only=True)


def head(path: Path) -> dict | None:
    """A checkpoint's run id and last episode, or None without a readable checkpoint."""
    try:
        ckpt = load(path)
        return {"run_id": ckpt["run_id"], "episode": ckpt["episode"]}
    except (OSError, RuntimeError, KeyError):
        return None


def run_id_of(path: Path) -> str | None:
    h = head(path)
    return h["run_id"] if h is not None else None


def save(path: Path, cfg: TrainConfig, episode: int, global_step: int, run_id: str, agent: MASAC | None,
         buffer: ReplayBuffer, rng: np.random.Generator) -> None:
    state = {
        "config": dataclasses.asdict(cfg),
        "episode": episode,
        "global_step": global_step,
        "run_id": run_id,
        "rng": {"numpy": rng.bit_generator.state, "torch": torch.get_rng_state(), "python": random.getstate()},
    }
    if agent is not None:
        state["agent"] = agent.trainable_state()
        state["buffer"] = buffer.save(path.parent / REPLAY_DIR, tag=f"e{episode:06d}")
    write_atomically(state, path)
    if agent is not None:
        ReplayBuffer.prune(path.parent / REPLAY_DIR, state["buffer"])


def write_atomically(state: dict, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # a crash while saving never leaves a half-written checkpoint


def check_resumable(saved_config: dict, cfg: TrainConfig) -> None:
    """Refuses to continue a checkpoint under settings that define a different run (config.resume_mismatches)."""
    mismatches = resume_mismatches(saved_config, cfg)
    if mismatches:
        raise ValueError("--resume: this run's settings differ from its checkpoint's (start a new run, or resume "
                         "with the checkpoint's settings): " + "; ".join(mismatches))


def restore(ckpt: dict, cfg: TrainConfig, out: Path, agent: MASAC | None, buffer: ReplayBuffer,
            rng: np.random.Generator) -> tuple[int, int]:
    """Loads a checkpoint of this run into the agent, the buffer and every random generator; returns the episode
    to start at and the global step."""
    check_resumable(ckpt["config"], cfg)
    if agent is not None:
        agent.load_trainable_state(ckpt["agent"])
        buffer.load(out / REPLAY_DIR, ckpt["buffer"])
    rng.bit_generator.state = ckpt["rng"]["numpy"]
    torch.set_rng_state(ckpt["rng"]["torch"])
    random.setstate(ckpt["rng"]["python"])
    return ckpt["episode"] + 1, ckpt["global_step"]
