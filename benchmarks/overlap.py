"""Learner overlapped with simulation vs strict lock-step, during PA-MRL training.

For each scenario, trains PA-MRL (MiniLM, 20 prompt tokens) for `--episodes` episodes twice in the same run,
lock-step then overlap (same seed, learning from the first step), and reports from each run's timing Parquet:
  - simulator share: the part of the wall time in which the simulator was computing (from sending the actions to
    receiving the next observation, plus start-up and warm-up), goal >= 0.9 with overlap;
  - episodes per hour, and gradient updates per episode;
and a third run, overlap with the learner thread at normal priority (`--learner-niceness 0`).
Paper scale is slow (seconds per control period), so episodes of paper-based scenarios (`paper`, `paper+lean`, ...)
are shortened to `--paper-steps` steps.

Run:  .venv/bin/python benchmarks/overlap.py [--scenarios small,paper] [--episodes 3] [--paper-steps 6]
      .venv/bin/python benchmarks/overlap.py --scenarios small --methods pa-mrl,masac --modes overlap
        (updates per wall hour of PA-MRL against MASAC in overlap mode)
      ... --llm-precisions fp32,bf16-mixed  (the language-model methods once per number format, `llm_precision`)
      ... --llm-compile  (the language-model methods with their decisions compiled, `llm_compile`)
"""

from __future__ import annotations

import argparse
import platform
import tempfile
from pathlib import Path

import pandas as pd

from pamrl.bridge.scenario import SCENARIO_DIR, VARIANT_DIR
from pamrl.config import LLM_METHODS, TrainConfig
from pamrl.train import train


# (label, lockstep, learner niceness): the default overlap lowers the learner thread's priority; "overlap-nice0"
# shows what that is worth.
MODES = [("lockstep", True, 0), ("overlap-nice0", False, 0), ("overlap", False, TrainConfig.learner_niceness)]


def scenario_file(name: str, steps: int | None, folder: Path) -> str:
    if steps is None:
        return name
    base, *variants = name.split("+")
    layers = [SCENARIO_DIR / f"{base}.yaml", *(VARIANT_DIR / f"{v}.yaml" for v in variants)]
    path = folder / f"{name}-{steps}.yaml"
    path.write_text(f"extends: [{', '.join(map(str, layers))}]\nname: {name}-{steps}steps\n"
                    f"control: {{episode_steps: {steps}}}\n")
    return str(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", default="small,paper")
    ap.add_argument("--episodes", type=int, default=3)
    ap.add_argument("--paper-steps", type=int, default=6)
    ap.add_argument("--llm", default="minilm")
    ap.add_argument("--methods", default="pa-mrl", help="e.g. pa-mrl,masac: also compares updates per wall hour")
    ap.add_argument("--llm-precisions", default="auto",
                    help="llm_precision values to run the language-model methods with, e.g. fp32,bf16-mixed")
    ap.add_argument("--llm-compile", action="store_true", help="compile the language model for decisions (llm_compile)")
    ap.add_argument("--modes", default=",".join(m[0] for m in MODES), help="subset of " + ",".join(m[0] for m in MODES))
    args = ap.parse_args()
    modes = [m for m in MODES if m[0] in args.modes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="pamrl-overlap-") as tmp:
        folder = Path(tmp)
        for name in args.scenarios.split(","):
            scen = scenario_file(name, args.paper_steps if name.startswith("paper") else None, folder)
            runs = [(m, p) for m in args.methods.split(",")
                    for p in (args.llm_precisions.split(",") if m in LLM_METHODS else ["-"])]
            for (method, precision), (mode, lockstep, niceness) in ((r, x) for r in runs for x in modes):
                label = method if precision == "-" else f"{method} {precision}"
                label += " compiled" if args.llm_compile and method in LLM_METHODS else ""
                out = folder / f"{name}-{label.replace(' ', '-')}-{mode}"
                cfg = TrainConfig(scenario=scen, method=method, llm=args.llm, episodes=args.episodes, seed=1,
                                  out=str(out), learning_starts=0, lockstep=lockstep, learner_niceness=niceness,
                                  device="cpu", llm_precision="auto" if precision == "-" else precision,
                                  llm_compile=args.llm_compile and method in LLM_METHODS)
                train(cfg)
                t = pd.read_parquet(out / "timing")
                rows.append({"scenario": name, "method": label, "mode": mode,
                             "episodes": len(t), "steps/episode": int(t["steps"].iloc[0]),
                             "sim share": t["sim_busy_s"].sum() / t["wall_s"].sum(),
                             "episodes/hour": 3600 * len(t) / t["wall_s"].sum(),
                             "updates/episode": t["updates"].mean(),
                             "updates/hour": 3600 * t["updates"].sum() / t["wall_s"].sum()})
    table = pd.DataFrame(rows)
    print(f"machine: {platform.machine()}, {__import__('os').cpu_count()} CPUs; llm {args.llm}")
    print(table.round(3).to_string(index=False))
    for (name, method), g in table.groupby(["scenario", "method"], sort=False):
        ratio = g.set_index("mode")["episodes/hour"]
        if {"overlap", "lockstep"} <= set(ratio.index):
            print(f"{name}, {method}: overlap / lockstep episodes per hour = {ratio['overlap'] / ratio['lockstep']:.2f}")
    over = table[table["mode"] == "overlap"].set_index(["scenario", "method"])["updates/hour"]
    for name in table["scenario"].unique():
        for label in table["method"].unique():
            if label.startswith("pa-mrl") and (name, label) in over and (name, "masac") in over:
                print(f"{name}, overlap: {label} / masac updates per wall hour = "
                      f"{over[(name, label)] / over[(name, 'masac')]:.2f} (goal >= 0.5)")


if __name__ == "__main__":
    main()
