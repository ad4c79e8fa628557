"""The replay buffer's chunked checkpoint: a save writes only what changed, a load restores every row exactly
(refreshed LLM states included), and files no checkpoint names are removed."""

import numpy as np

from pamrl.replay import CHUNK, MAX_PATCHES, ReplayBuffer

DUS, FEATURES, HIDDEN = 2, 5, 4


def _fill(buf: ReplayBuffer, rng: np.random.Generator, n: int) -> None:
    for _ in range(n):
        buf.add([f"prompt {rng.integers(1000)}" for _ in range(DUS)],
                features=rng.random((DUS, FEATURES)), hidden=rng.random((DUS, HIDDEN)),
                actions=rng.random((DUS, 3)), rewards=rng.random(DUS), next_features=rng.random((DUS, FEATURES)),
                next_hidden=rng.random((DUS, HIDDEN)), labels=rng.integers(0, 8, DUS))


def _assert_same(a: ReplayBuffer, b: ReplayBuffer) -> None:
    assert (a.size, a.pos) == (b.size, b.pos)
    for k in ReplayBuffer.FIELDS:
        np.testing.assert_array_equal(a.data[k][: a.size], b.data[k][: b.size], err_msg=k)
    assert a.texts[: a.size] == b.texts[: b.size]


def test_save_writes_only_changed_chunks_and_load_restores_everything(tmp_path):
    rng = np.random.default_rng(0)
    capacity = 3 * CHUNK
    buf = ReplayBuffer(capacity, DUS, FEATURES, HIDDEN)
    _fill(buf, rng, CHUNK + 10)  # chunk 0 full, chunk 1 started
    manifest = buf.save(tmp_path, "e0")
    assert sorted(manifest["files"]) == ["0", "1"]

    _fill(buf, rng, 5)  # only chunk 1 changes
    with buf.lock:
        buf.refresh_hidden(np.array([3, 7]), rng.random((2, DUS, HIDDEN)))  # an update refreshed rows of chunk 0
    manifest = buf.save(tmp_path, "e1")
    assert manifest["files"]["0"]["rows"] == "chunk-00000-e0.pt"  # chunk 0 not rewritten ...
    assert manifest["files"]["0"]["patches"] == ["patch-00000-0-e1.pt"]  # ... only its two refreshed rows
    assert manifest["files"]["1"]["rows"] == "chunk-00001-e1.pt"
    ReplayBuffer.prune(tmp_path, manifest)
    assert not (tmp_path / "chunk-00001-e0.pt").exists()

    restored = ReplayBuffer(capacity, DUS, FEATURES, HIDDEN)
    restored.load(tmp_path, manifest)
    _assert_same(buf, restored)


def test_wrapped_buffer_and_many_patches_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    capacity = 2 * CHUNK
    buf = ReplayBuffer(capacity, DUS, FEATURES, HIDDEN)
    _fill(buf, rng, capacity + 100)  # wrapped: rows 0-99 overwritten
    manifest = buf.save(tmp_path, "a")
    for i in range(MAX_PATCHES + 2):  # patches pile up on chunk 1, which is then rewritten whole
        with buf.lock:
            buf.refresh_hidden(np.array([CHUNK + i]), rng.random((1, DUS, HIDDEN)))
        manifest = buf.save(tmp_path, f"p{i}")
        ReplayBuffer.prune(tmp_path, manifest)
    assert len(manifest["files"]["1"]["patches"]) <= MAX_PATCHES
    restored = ReplayBuffer(capacity, DUS, FEATURES, HIDDEN)
    restored.load(tmp_path, manifest)
    _assert_same(buf, restored)
    assert restored.size == capacity and restored.pos == 100


def test_a_checkpoint_from_before_chunks_still_loads(tmp_path):
    import torch

    rng = np.random.default_rng(2)
    old = ReplayBuffer(64, DUS, FEATURES, HIDDEN)
    _fill(old, rng, 20)
    whole = {"size": old.size, "pos": old.pos, "texts": old.texts[: old.size],
             **{k: torch.from_numpy(v[: old.size]) for k, v in old.data.items()}}  # the earlier format
    restored = ReplayBuffer(64, DUS, FEATURES, HIDDEN)
    restored.load(tmp_path, whole)
    _assert_same(old, restored)
    manifest = restored.save(tmp_path, "next")  # and it is saved in chunks from then on
    again = ReplayBuffer(64, DUS, FEATURES, HIDDEN)
    again.load(tmp_path, manifest)
    _assert_same(old, again)
