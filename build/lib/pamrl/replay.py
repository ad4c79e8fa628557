"""The replay buffer of MASAC, and how it is saved with a checkpoint without rewriting all of it every time.

Transitions hold all DUs at once: numeric features, the language model's pooled state (half precision: at paper
scale it is most of the memory), the joint action, per-DU rewards, the next step's features and state, semantic
labels, and the prompts (so that the prompt tokens' gradient can recompute the state).

Saving (`save`/`load`): the buffer is stored as chunks of CHUNK consecutive rows, one file each, under the run's
`replay/` folder. A checkpoint rewrites only the chunks whose rows were added since the last save; rows whose
LLM state was refreshed by an update (a few per update, anywhere in the buffer) go to a small patch file of that
chunk instead, until a chunk has MAX_PATCHES of them and is rewritten whole. The manifest (row count, write
position, file list) goes into the checkpoint itself, which is replaced atomically: a crash while saving leaves
the previous checkpoint and every file it names intact. Files no checkpoint names are deleted after the save.
At paper scale (50k steps, ~0.6 GB) an episode's save writes ~2 chunks instead of the whole buffer.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import torch

from pamrl.bridge.protocol import NUM_SLICES

CHUNK = 1024  # rows per file
MAX_PATCHES = 8  # patch files per chunk before it is rewritten whole


class ReplayBuffer:
    """Transitions of all DUs at once. Arrays are plain numpy."""

    FIELDS = ("features", "hidden", "actions", "rewards", "next_features", "next_hidden", "labels")

    def __init__(self, capacity: int, num_dus: int, num_features: int, hidden_size: int):
        self.capacity, self.size, self.pos = capacity, 0, 0
        h = max(hidden_size, 1)
        self.data = {
            "features": np.zeros((capacity, num_dus, num_features), np.float32),
            "hidden": np.zeros((capacity, num_dus, h), np.float16),
            "actions": np.zeros((capacity, num_dus, NUM_SLICES), np.float32),
            "rewards": np.zeros((capacity, num_dus), np.float32),
            "next_features": np.zeros((capacity, num_dus, num_features), np.float32),
            "next_hidden": np.zeros((capacity, num_dus, h), np.float16),
            "labels": np.zeros((capacity, num_dus), np.int64),
        }
        self.texts: list[list[str]] = [[] for _ in range(capacity)]  # the prompts of `features`, one per DU
        self.lock = threading.Lock()  # the acting loop adds while a background learner samples
        self._added: set[int] = set()  # chunks with rows added since the last save
        self._refreshed: set[int] = set()  # rows whose `hidden` an update rewrote since the last save
        self._files: dict[int, dict] = {}  # chunk -> {"rows": file, "patches": [file, ...]} as last saved

    def add(self, texts: list[str], **row: np.ndarray) -> None:
        with self.lock:
            for k in self.FIELDS:
                self.data[k][self.pos] = row[k]
            self.texts[self.pos] = texts
            self._added.add(self.pos // CHUNK)
            self.pos = (self.pos + 1) % self.capacity
            self.size = min(self.size + 1, self.capacity)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(0, self.size, size=n)

    def refresh_hidden(self, idx: np.ndarray, hidden: np.ndarray) -> None:
        """Stores recomputed LLM states (current prompt tokens) of rows `idx`. Caller holds the lock."""
        self.data["hidden"][idx] = hidden
        self._refreshed.update(int(i) for i in idx)

    # -- persistence ----------------------------------------------------------------------------------------

    def save(self, folder: Path, tag: str) -> dict:
        """Writes what changed since the last save under `folder`; returns the manifest for the checkpoint.
        `tag` makes this save's file names unique (e.g. the episode)."""
        folder.mkdir(parents=True, exist_ok=True)
        with self.lock:
            patched: dict[int, list[int]] = {}
            for i in self._refreshed:
                if i // CHUNK not in self._added:
                    patched.setdefault(i // CHUNK, []).append(i)
            rewrite = set(self._added)
            for c in [c for c in patched if len(self._files[c]["patches"]) >= MAX_PATCHES]:
                rewrite.add(c)
                del patched[c]
            for c in sorted(rewrite):
                a, b = self._rows(c)
                name = f"chunk-{c:05d}-{tag}.pt"
                arrays = {k: torch.from_numpy(self.data[k][a:b].copy()) for k in self.FIELDS}
                torch.save({"rows": [a, b], **arrays, "texts": self.texts[a:b]}, folder / name)
                self._files[c] = {"rows": name, "patches": []}
            for c, rows in sorted(patched.items()):
                idx = np.asarray(sorted(rows))
                name = f"patch-{c:05d}-{len(self._files[c]['patches'])}-{tag}.pt"
                torch.save({"index": torch.from_numpy(idx), "hidden": torch.from_numpy(self.data["hidden"][idx].copy())},
                           folder / name)
                self._files[c]["patches"].append(name)
            self._added, self._refreshed = set(), set()
            return {"size": self.size, "pos": self.pos, "chunk": CHUNK,
                    "files": {str(c): {"rows": e["rows"], "patches": list(e["patches"])} for c, e in self._files.items()}}

    def load(self, folder: Path, manifest: dict) -> None:
        if "files" not in manifest:  # a checkpoint from before chunked saving holds the whole buffer itself
            with self.lock:
                self.size, self.pos = int(manifest["size"]), int(manifest["pos"])
                for k in self.FIELDS:
                    self.data[k][: self.size] = manifest[k].numpy()
                self.texts[: self.size] = [list(t) for t in manifest["texts"]]
                self._added = {c for c in range(-(-self.size // CHUNK))}  # the next save writes every chunk
            return
        if manifest["chunk"] != CHUNK:
            raise ValueError(f"replay chunks of {manifest['chunk']} rows; this version uses {CHUNK}")
        with self.lock:
            self.size, self.pos = int(manifest["size"]), int(manifest["pos"])
            self._files = {}
            for key, entry in manifest["files"].items():
                c = int(key)
                part = torch.load(folder / entry["rows"], map_location="cpu", weights_only=True)
                a, b = part["rows"]
                for k in self.FIELDS:
                    self.data[k][a:b] = part[k].numpy()
                self.texts[a:b] = [list(t) for t in part["texts"]]
                for name in entry["patches"]:
                    patch = torch.load(folder / name, map_location="cpu", weights_only=True)
                    self.data["hidden"][patch["index"].numpy()] = patch["hidden"].numpy()
                self._files[c] = {"rows": entry["rows"], "patches": list(entry["patches"])}
            self._added, self._refreshed = set(), set()

    @staticmethod
    def prune(folder: Path, manifest: dict) -> None:
        """Deletes the files of `folder` that `manifest` (the one just committed) does not name."""
        keep = {e["rows"] for e in manifest["files"].values()} | {p for e in manifest["files"].values() for p in e["patches"]}
        for f in folder.glob("*.pt"):
            if f.name not in keep:
                f.unlink(missing_ok=True)  # another process may have removed it

    def _rows(self, c: int) -> tuple[int, int]:
        """The rows of chunk c that hold data."""
        a = c * CHUNK
        return a, min(a + CHUNK, self.capacity if self.size == self.capacity else self.size)
