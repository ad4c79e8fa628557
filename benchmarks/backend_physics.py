"""Physics sanity, NR and LTE side by side: per-slice throughput, delay, loss, PRB use and SINR of the same
scenario, seeds and fixed shares on both RAN backends, and the check that no DU delivers more than its carrier can
carry (RBs x 12 subcarriers x subcarrier spacing x the top MCS's spectral efficiency, 5.55 bit/s/Hz: 64-QAM at
code rate 948/1024, the top of both LTE's CQI table and nr's MCS table 1).

Run:  .venv/bin/python benchmarks/backend_physics.py [--scenarios small,paper] [--seeds 1,2] [--steps 10]
      [--shares 0.5,0.3,0.2]   (small: ~1 min; paper: several minutes per backend and seed)
Prints one table per scenario (means over seeds, steps and DUs; observations after the first) and writes it as CSV
next to the figures in docs/nr.md when --csv is given.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from pamrl.bridge.env import SlicingEnv
from pamrl.bridge.protocol import KPI_NAMES, SLICE_NAMES
from pamrl.bridge.scenario import load_scenario

TOP_SPECTRAL_EFFICIENCY = 948 / 1024 * 6  # bit/s/Hz
SHOWN = ["DRB.OfferedLoadDl", "DRB.UEThpDl", "DRB.RlcSduDelayDl", "DRB.RlcSduDelayDl.P95", "DRB.PacketLossRateDl",
         "RRU.PrbUsedDl", "RRU.PrbAvailDl", "L1M.SinrDl"]


def episode(scenario, seed: int, shares: np.ndarray) -> np.ndarray:
    """KPI tables after every step but the first, [step, du, slice, kpi]."""
    env = SlicingEnv(scenario, timeout_s=600)
    try:
        env.reset(seed=seed)
        tables = []
        while env.agents:
            env.step({a: shares for a in env.agents})
            tables.append(env.kpis.copy())
        return np.stack(tables[1:])
    finally:
        env.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenarios", default="small")
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--shares", default="0.5,0.3,0.2")
    parser.add_argument("--csv", default=None, help="write the table here")
    args = parser.parse_args()
    shares = np.asarray([float(x) for x in args.shares.split(",")], dtype=np.float32)
    rows = []
    for name in args.scenarios.split(","):
        for backend in ("nr", "lte"):
            base = load_scenario(name)
            scenario = base.model_copy(update={
                "ran": base.ran.model_copy(update={"backend": backend}),
                "control": base.control.model_copy(update={"episode_steps": args.steps + 1})})
            tables = np.stack([episode(scenario, int(s), shares) for s in args.seeds.split(",")])
            mean = np.nanmean(tables, axis=(0, 1, 2))  # [slice, kpi]
            scs = 15e3 * 2 ** (scenario.ran.numerology if backend == "nr" else 0)
            bound = scenario.ran.bandwidth_rbs * 12 * scs * TOP_SPECTRAL_EFFICIENCY / 1e6
            per_du = tables[..., KPI_NAMES.index("DRB.UEThpDl")].sum(axis=-1)  # [seed, step, du]
            for s, slice_name in enumerate(SLICE_NAMES):
                rows.append({"scenario": name, "backend": backend, "slice": slice_name,
                             **{k: mean[s, KPI_NAMES.index(k)] for k in SHOWN}})
            print(f"{name}/{backend}: largest DU throughput in a period {per_du.max():.2f} Mbit/s, "
                  f"bound {bound:.1f} Mbit/s -> {'ok' if per_du.max() <= bound else 'EXCEEDED'}", flush=True)
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.precision", 3):
        print(table.to_string(index=False))
    if args.csv:
        table.to_csv(args.csv, index=False)


if __name__ == "__main__":
    main()
