"""Behaviour pinned across refactors: a short lock-step run of every code path that drives episodes (training
PA-MRL and MASAC, evaluation against a heuristic, a fixed-rule simulation, adapter pre-training) must produce the
same checkpoint tensors, random states and Parquet rows, bit for bit, as the run recorded in tests/golden/.

The record holds digests (SHA-256 of every tensor's bytes and of every table's values), not the data. When a
change is *meant* to alter learning (a new default, a fixed bug), re-record it and say so in the commit:

    PAMRL_RECORD_GOLDEN=1 .venv/bin/python -m pytest tests/test_lockstep_golden.py

The simulator's digests (`simulate*`) depend only on the simulator build, pinned by scripts/setup.sh, and must match
on every machine. Everything torch computes depends also on the CPU: torch and MKL pick their kernels by
instruction set (the same code gave other bits on an Intel AVX-512 machine than on the AMD AVX2 one it was
recorded on, and no environment setting made them agree). So those digests are recorded per kind of CPU, one file
each, `lockstep-<vendor>-<torch CPU capability>.json`; on a kind with no record yet the test checks the simulator's
digests alone and says so. Recording on a new kind of CPU is only right at a commit whose record passes on a
recorded kind (the same behaviour); re-recording for a meant change must then refresh every kind's file, or drop
the ones that cannot be refreshed.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pandas as pd
import torch

from pamrl.bridge.scenario import SCENARIO_DIR, load_scenario
from pamrl.config import TrainConfig
from pamrl.pretrain import pretrain_adapters
from pamrl.simulate import simulate
from pamrl.evaluate import evaluate
from pamrl.train import train

GOLDEN_DIR = Path(__file__).parent / "golden"
MACHINE_INDEPENDENT = ("simulate", "simulate.lte")  # the simulator's digests: the same on every CPU


def cpu_kind() -> str:
    """What torch's floating-point results depend on here: the CPU vendor and the kernels torch dispatches to."""
    vendor = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        vendor = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                       if line.startswith("vendor_id")), vendor)
    return f"{vendor}-{torch.backends.cpu.get_cpu_capability()}"
RUN = dict(episodes=2, learning_starts=4, updates_per_step=2, batch_size=8, prompt_batch=2, prompt_every=2,
           prompt_tokens=3, hidden=16, latent=8, device="cpu", lockstep=True, seed=7)


def _tensor_digest(t: torch.Tensor) -> str:
    t = t.detach().cpu().contiguous()
    return hashlib.sha256(f"{t.dtype}{tuple(t.shape)}".encode() + t.numpy().tobytes()).hexdigest()[:16]


def _state_digests(prefix: str, value, out: dict[str, str]) -> None:
    """Walks a checkpoint's nested dicts; every tensor and plain value gets its own entry."""
    if isinstance(value, dict):
        for k, v in value.items():
            _state_digests(f"{prefix}.{k}", v, out)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _state_digests(f"{prefix}.{i}", v, out)
    elif isinstance(value, torch.Tensor):
        out[prefix] = _tensor_digest(value)
    else:
        out[prefix] = hashlib.sha256(repr(value).encode()).hexdigest()[:16]


def _table_digest(frame: pd.DataFrame, drop=("run_id",)) -> str:
    frame = frame.drop(columns=[c for c in drop if c in frame]).reset_index(drop=True)
    frame = frame[sorted(frame.columns)]
    values = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    return hashlib.sha256(",".join(frame.columns).encode() + values.tobytes()).hexdigest()[:16]


def _checkpoint_digests(name: str, path: Path, out: dict[str, str]) -> None:
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    for key in ("agent", "rng", "episode", "global_step"):
        _state_digests(f"{name}.{key}", ckpt[key], out)


def record(tmp: Path) -> dict[str, str]:
    scenario_file = tmp / "tiny.yaml"
    scenario_file.write_text(f"extends: {SCENARIO_DIR / 'small.yaml'}\nname: tiny\n"
                             "control: {episode_steps: 4, warmup_ms: 200}\n")
    digests: dict[str, str] = {}
    for method, llm in (("pa-mrl", "gpt2-arch-tiny"), ("masac", "minilm")):
        out = train(TrainConfig(scenario=str(scenario_file), method=method, llm=llm, out=str(tmp / method), **RUN))
        _checkpoint_digests(method, out / "checkpoint.pt", digests)
        digests[f"{method}.steps"] = _table_digest(pd.read_parquet(out / "steps"))
        digests[f"{method}.updates"] = _table_digest(pd.read_parquet(out / "updates"))
    frame = evaluate(tmp / "pa-mrl" / "checkpoint.pt", str(scenario_file), 1, tmp / "eval", baseline="equal",
                     device="cpu")
    digests["evaluate"] = _table_digest(frame)
    frame = simulate(load_scenario(str(scenario_file)), "proportional", 3, tmp / "sim", episodes=1)
    digests["simulate"] = _table_digest(frame)
    # The LTE backend's KPIs too: our ns-3 patches to the lte module claim to change no KPI (patches/README.md).
    lte_file = tmp / "tiny-lte.yaml"
    lte_file.write_text(f"extends: {scenario_file}\nname: tiny-lte\nran: {{backend: lte}}\n")
    frame = simulate(load_scenario(str(lte_file)), "proportional", 3, tmp / "sim-lte", episodes=1)
    digests["simulate.lte"] = _table_digest(frame)
    report = pretrain_adapters(str(scenario_file), "gpt2-arch-tiny", 1, tmp / "adapters.pt", seed=5, epochs=3,
                               batch=8, latent=8, hidden=16, device="cpu")
    digests["pretrain.report"] = hashlib.sha256(json.dumps(report, sort_keys=True).encode()).hexdigest()[:16]
    _state_digests("pretrain", torch.load(tmp / "adapters.pt", weights_only=True)["adapters"], digests)
    return digests


def test_lockstep_runs_match_the_recorded_behaviour(tmp_path, simulator_binary):
    digests = record(tmp_path)
    golden = GOLDEN_DIR / f"lockstep-{cpu_kind()}.json"
    if os.environ.get("PAMRL_RECORD_GOLDEN"):
        GOLDEN_DIR.mkdir(exist_ok=True)
        golden.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n")
    assert len(digests) > 50  # the walk saw the networks, optimisers and random states, not just a few scalars
    records = sorted(GOLDEN_DIR.glob("lockstep-*.json"))
    assert records, "no lock-step record in tests/golden/"
    for other in records:
        recorded = json.loads(other.read_text())
        assert {k: digests[k] for k in MACHINE_INDEPENDENT} == {k: recorded[k] for k in MACHINE_INDEPENDENT}, other.name
    if not golden.exists():
        print(f"no lock-step record for this CPU ({cpu_kind()}): checked the simulator's digests only")
        return
    expected = json.loads(golden.read_text())
    changed = sorted(k for k in expected.keys() | digests.keys() if expected.get(k) != digests.get(k))
    assert not changed, f"{len(changed)} of {len(expected)} recorded values differ ({golden.name}), e.g. {changed[:8]}"
