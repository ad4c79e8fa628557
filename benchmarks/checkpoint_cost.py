"""What a checkpoint's replay buffer costs per episode: the whole buffer rewritten (as before) against the chunked,
incremental save (`pamrl.replay`).

Paper scale: 6 DUs, MiniLM states (384 floats per DU, twice per transition), a full buffer of `--capacity`
transitions. One "episode" then adds `--steps` transitions and refreshes the LLM states of `prompt_batch` x
(updates per step / prompt_every) rows per step at random places, as PA-MRL's updates do; then both ways save.
Prints bytes written and seconds per save, and their ratio, measured in the same run.

Run:  .venv/bin/python benchmarks/checkpoint_cost.py [--capacity 50000] [--steps 50] [--episodes 3]
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from pamrl.prompt import NUM_FEATURES
from pamrl.replay import ReplayBuffer

DUS, HIDDEN = 6, 384
PROMPT = "eMBB QoS 68%, share 33%, served 65%, delay 111%. URLLC QoS 5%, share 33%, served 71%, delay 999%. " \
         "mMTC QoS 100%, share 33%, served 51%, delay 84%. Worst URLLC."


def add(buf: ReplayBuffer, rng: np.random.Generator, n: int) -> None:
    for _ in range(n):
        buf.add([PROMPT] * DUS, features=rng.random((DUS, NUM_FEATURES)), hidden=rng.random((DUS, HIDDEN)),
                actions=rng.random((DUS, 3)), rewards=rng.random(DUS), next_features=rng.random((DUS, NUM_FEATURES)),
                next_hidden=rng.random((DUS, HIDDEN)), labels=rng.integers(0, 8, DUS))


def whole_buffer(buf: ReplayBuffer, path: Path) -> None:
    """The previous checkpoint format: every array and prompt, every time."""
    arrays = {k: torch.from_numpy(v[: buf.size]) for k, v in buf.data.items()}
    torch.save({"size": buf.size, "pos": buf.pos, "texts": buf.texts[: buf.size], **arrays}, path)


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.iterdir())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--capacity", type=int, default=50000)
    ap.add_argument("--steps", type=int, default=50, help="transitions per episode (paper: 50)")
    ap.add_argument("--episodes", type=int, default=3)
    ap.add_argument("--refreshed-per-step", type=int, default=1, help="rows whose LLM state an update rewrites, per step "
                    "(prompt_batch 2 x 2 updates per step / prompt_every 4)")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    buf = ReplayBuffer(args.capacity, DUS, NUM_FEATURES, HIDDEN)
    print(f"machine: {platform.machine()}, filling {args.capacity} transitions ({DUS} DUs, hidden {HIDDEN})", flush=True)
    add(buf, rng, args.capacity)
    with tempfile.TemporaryDirectory(prefix="pamrl-ckpt-") as tmp:
        whole, chunks = Path(tmp) / "whole.pt", Path(tmp) / "replay"
        manifest = buf.save(chunks, "e0")  # the first save writes everything, as the whole-buffer one does
        rows = []
        for e in range(1, args.episodes + 1):
            add(buf, rng, args.steps)
            with buf.lock:
                idx = rng.integers(0, buf.size, args.steps * args.refreshed_per_step)
                buf.refresh_hidden(idx, rng.random((len(idx), DUS, HIDDEN)))
            t0 = time.perf_counter()
            whole_buffer(buf, whole)
            t_whole = time.perf_counter() - t0
            before = {f.name for f in chunks.iterdir()}
            t0 = time.perf_counter()
            manifest = buf.save(chunks, f"e{e}")
            ReplayBuffer.prune(chunks, manifest)
            t_chunk = time.perf_counter() - t0
            new = sum((chunks / f).stat().st_size for f in {f.name for f in chunks.iterdir()} - before)
            rows.append((whole.stat().st_size, t_whole, new, t_chunk))
            print(f"episode {e}: whole buffer {whole.stat().st_size / 2**20:.0f} MiB in {t_whole:.2f} s; "
                  f"incremental {new / 2**20:.1f} MiB in {t_chunk:.2f} s "
                  f"(replay folder {folder_bytes(chunks) / 2**20:.0f} MiB)", flush=True)
        w_bytes, w_t, c_bytes, c_t = np.mean(rows, axis=0)
        print(f"mean per save: whole {w_bytes / 2**20:.0f} MiB / {w_t:.2f} s, incremental {c_bytes / 2**20:.1f} MiB / "
              f"{c_t:.2f} s: {w_bytes / c_bytes:.0f}x fewer bytes, {w_t / c_t:.1f}x less time")


if __name__ == "__main__":
    main()
