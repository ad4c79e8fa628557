"""`best-static`: the best fixed slice shares for a scenario, found by search. The reference a learned policy must
reach: a policy that cannot beat it has learned nothing that a grid search would not find.

Search, on the training seeds (episode e runs the same ns-3 seed as training episode e of the same --seed), never
on the evaluation seeds, so the reference is not tuned to the episodes it is judged on:

The search is over whole RBGs, the simulator's resolution (shares = RBG counts / RBGs; two shares that round to
the same RBGs are one allocation, run once):

1. Coarse grid: the allocations whose eMBB and URLLC RBG counts are multiples of `static_grid_step` x RBGs
   (rounded; 0.15 of 13 RBGs on `small` = 2 RBGs: 15 points), every slice at least one RBG (a slice with none
   serves nobody), each run for `static_search_episodes` episodes.
2. Local refinement, while the budget (`episodes`: total simulator episodes, the coarse grid always included)
   lasts: from the best point, move `delta` RBGs from one slice to another (6 moves); keep a better point;
   halve `delta` when no move helps, down to one RBG.
3. Per-DU shares when the DUs differ (`static_per_du: auto` = the scenario has a hotspot DU; or true / false):
   every candidate is run on all DUs at once and each DU's own return is recorded, so each DU keeps its own best
   point and refines it with the same moves in the same episodes (one search's cost; DUs interact only through
   interference, which the final choice is measured with). Otherwise every DU gets the same shares, chosen by the
   return averaged over DUs.

Return = the sum over an episode of the per-DU reward, averaged over DUs (as everywhere in pamrl). The result
(`static_shares` [DU, slice] and every candidate's returns in `search.parquet`) goes to the run's checkpoint;
`pamrl evaluate` then runs those shares like any policy.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import torch

from pamrl import checkpoint
from pamrl.bridge.env import SlicingEnv
from pamrl.bridge.protocol import NUM_SLICES, SLICE_NAMES
from pamrl.bridge.scenario import Scenario, resolved_json
from pamrl.config import TrainConfig
from pamrl.metrics import EpisodeRecorder, RunInfo
from pamrl.progress import progress
from pamrl.rollout import from_rule, run_episode
from pamrl.seeds import episode_seed


def rbg_grid(num_rbgs: int, step: int) -> np.ndarray:
    """RBG counts per slice [points, 3] summing to num_rbgs: the first two slices on multiples of `step`, every
    slice at least one RBG."""
    points = [(a, b, num_rbgs - a - b) for a in range(step, num_rbgs, step) for b in range(step, num_rbgs, step)
              if num_rbgs - a - b >= 1]
    return np.asarray(points, dtype=np.int64)


def moves(counts: np.ndarray, delta: int) -> list[np.ndarray | None]:
    """The 6 allocations reached by moving `delta` RBGs from slice i to slice j (every ordered pair, in a fixed
    order), None where slice i would keep no RBG."""
    out: list[np.ndarray | None] = []
    for i, j in itertools.permutations(range(NUM_SLICES), 2):
        c = counts.copy()
        c[i] -= delta
        c[j] += delta
        out.append(c if c[i] >= 1 else None)
    return out


@dataclass
class FixedShares:
    """A policy that always applies the same shares [DU, slice]."""

    shares: np.ndarray

    def __call__(self, kpis: np.ndarray) -> np.ndarray:
        return self.shares


class StaticSearch:
    """The search; `evaluate` runs one candidate [DU, slice] on the search seeds and returns per-DU mean returns."""

    def __init__(self, scenario: Scenario, seeds: list[int], budget: int, info: RunInfo, out: Path,
                 env_factory: Callable[[], SlicingEnv], rbgs: int):
        self.scenario, self.seeds, self.budget, self.info, self.out = scenario, seeds, budget, info, Path(out)
        self.rbgs = rbgs
        self.env = env_factory()
        self.rows: list[dict] = []
        self.episodes = 0
        self._cache: dict[tuple, np.ndarray] = {}
        self.bar = progress(total=budget, desc="best-static search", unit="episode")

    def close(self) -> None:
        self.bar.close()
        self.env.close()

    def affordable(self, candidates: int) -> bool:
        return self.episodes + candidates * len(self.seeds) <= self.budget

    def evaluate(self, counts: np.ndarray, stage: str) -> np.ndarray:
        """counts: RBGs per DU and slice [DU, slice]."""
        key = tuple(counts.ravel().tolist())
        if key in self._cache:
            return self._cache[key]
        shares = counts / self.rbgs
        returns = []
        for seed in self.seeds:
            recorder = EpisodeRecorder(self.info, self.episodes)
            episode = run_episode(self.env, from_rule(FixedShares(shares)), seed=seed, recorder=recorder,
                                  label=f"best-static seed {seed}")
            returns.append(episode.returns)
            reported = self.env.description["rbgs_per_du"]
            if reported != self.rbgs:
                raise RuntimeError(f"the simulator has {reported} RBGs per DU; best-static assumed {self.rbgs}")
            recorder.write(self.out)
            self.episodes += 1
            self.bar.update(1)
        per_du = np.mean(returns, axis=0)
        self._cache[key] = per_du
        cid = len(self.rows) // shares.shape[0]
        for du in range(shares.shape[0]):
            self.rows.append({"candidate": cid, "stage": stage, "du": du,
                              **{f"share_{s}": float(shares[du, k]) for k, s in enumerate(SLICE_NAMES)},
                              **{f"rbgs_{s}": int(counts[du, k]) for k, s in enumerate(SLICE_NAMES)},
                              "return": float(per_du[du]), "mean_return": float(per_du.mean())})
        self.bar.set_postfix(best=f"{max(r['mean_return'] for r in self.rows):.2f}", refresh=False)
        return per_du


def search_best_static(scenario: Scenario, seeds: list[int], budget: int, grid_step: float, per_du: bool,
                       info: RunInfo, out: Path, env_factory: Callable[[], SlicingEnv]):
    """Runs the search; returns (shares [DU, slice], per-DU search return [DU], candidates table).

    The search works in whole RBGs (shares = RBG counts / RBGs), the simulator's own resolution: two shares that
    round to the same RBGs are the same allocation and are run once."""
    n = scenario.ran.num_dus
    rbgs = scenario.ran.rbgs_per_du  # the simulator reports the same number; the search checks that they agree
    step = max(1, round(grid_step * rbgs))
    grid = rbg_grid(rbgs, step)
    search = StaticSearch(scenario, seeds, max(budget, len(grid) * len(seeds)), info, out, env_factory, rbgs)
    try:
        scores = np.stack([search.evaluate(np.tile(p, (n, 1)), "grid") for p in grid])  # [points, DU]
        if per_du:
            best, best_score = grid[scores.argmax(axis=0)], scores.max(axis=0)  # [DU, slice], [DU]
        else:
            k = int(scores.mean(axis=1).argmax())
            best, best_score = np.tile(grid[k], (n, 1)), scores[k]
        delta = max(1, step // 2)
        while delta >= 1 and search.affordable(1):
            improved = False
            for move in range(NUM_SLICES * (NUM_SLICES - 1)):
                if not search.affordable(1):
                    break
                candidate, moved = best.copy(), np.zeros(n, bool)
                for du in range(n):
                    c = moves(best[du], delta)[move]
                    if c is not None:
                        candidate[du], moved[du] = c, True
                if not moved.any():
                    continue
                score = search.evaluate(candidate, f"refine {delta} RBG")
                if per_du:
                    better = moved & (score > best_score)
                    best[better], best_score[better] = candidate[better], score[better]
                    improved |= bool(better.any())
                elif score.mean() > best_score.mean():
                    best, best_score, improved = candidate, score, True
            if not improved:
                delta //= 2
        return best / rbgs, best_score, pd.DataFrame(search.rows)
    finally:
        search.close()


def train_best_static(cfg: TrainConfig, scenario: Scenario, out: Path) -> Path:
    """`pamrl train --method best-static`: searches the best fixed shares on the training seeds; its checkpoint
    holds them. A finished search is not run again (--resume)."""
    ckpt_path = out / checkpoint.CHECKPOINT
    if cfg.resume and ckpt_path.exists():
        checkpoint.check_resumable(checkpoint.load(ckpt_path)["config"], cfg)
        return out
    (out / "config.json").write_text(json.dumps(dataclasses.asdict(cfg), indent=1))
    (out / "scenario.json").write_text(resolved_json(scenario))
    run_id = uuid.uuid4().hex[:12]
    started = time.time()
    info = RunInfo(run_id=run_id, method=cfg.method, scenario=scenario.name, seed=cfg.seed)
    per_du = cfg.static_per_du == "true" or (cfg.static_per_du == "auto" and scenario.ran.hotspot_du is not None)
    seeds = [episode_seed(cfg.seed, e) for e in range(cfg.static_search_episodes)]
    shares, score, table = search_best_static(
        scenario, seeds, cfg.episodes, cfg.static_grid_step, per_du, info, out,
        lambda: SlicingEnv(scenario, endpoint=cfg.endpoint or None, attach=cfg.attach, timeout_s=cfg.timeout))
    table.assign(run_id=run_id).to_parquet(out / "search.parquet", index=False)
    state = {"config": dataclasses.asdict(cfg), "episode": int(table["candidate"].max()), "global_step": 0,
             "run_id": run_id, "static_shares": torch.as_tensor(shares, dtype=torch.float64),
             "static_search_return": torch.as_tensor(score, dtype=torch.float64),
             "search_seconds": torch.tensor(time.time() - started, dtype=torch.float64)}
    checkpoint.write_atomically(state, ckpt_path)
    print(f"best-static on {scenario.name}: shares per DU {np.round(shares, 3).tolist()}, "
          f"search return {score.mean():.3f} (training seeds {seeds})")
    return out
