"""The one episode loop: train, evaluate, simulate, best-static and adapter pre-training all drive the environment
through it, with the environment's public API only: reset(), step() split into step_async()/step_wait() (so that a
learner thread can update while the simulator computes), what they return, and env.agents.

What an agent reads of a control period is a `View`, built from step()'s infos: the KPI table, the QoS levels, the
shares that governed the period, its step index and time. A policy maps a View to shares [du, slice]; an optional
`after_step` hook sees every transition (view, shares sent, rewards, next view, done): that is where a learner
stores transitions and updates.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Protocol

import numpy as np

from pamrl.bridge.env import SlicingEnv
from pamrl.metrics import EpisodeRecorder
from pamrl.progress import progress


@dataclass(frozen=True)
class View:
    """One control period as the agent sees it, every table [du, ...] in DU order."""

    kpis: np.ndarray  # [du, slice, kpi]
    qos: np.ndarray  # [du, slice], the QoS levels of reward.py
    shares: np.ndarray  # [du, slice], the shares in force during the period
    step: int
    time_s: float

    @classmethod
    def from_infos(cls, infos: dict[str, dict[str, Any]]) -> View:
        rows = [infos[a] for a in sorted(infos, key=lambda a: int(a.removeprefix("du")))]
        return cls(kpis=np.stack([r["kpis"] for r in rows]), qos=np.stack([r["qos"] for r in rows]),
                   shares=np.stack([r["shares"] for r in rows]), step=rows[0]["step"], time_s=rows[0]["time_s"])


class Policy(Protocol):
    def __call__(self, view: View) -> np.ndarray: ...


def from_rule(rule: Callable[[np.ndarray], np.ndarray]) -> Policy:
    """A fixed rule of the last KPI table [du, slice, kpi] -> shares [du, slice] (heuristics.py, best-static's
    shares) as a Policy."""
    return lambda view: rule(view.kpis)


AfterStep = Callable[[View, np.ndarray, np.ndarray, View, bool], None]


@dataclass
class Episode:
    returns: np.ndarray  # per DU, the sum of its rewards (metrics.episode_returns: the same, from Parquet rows)
    sim_busy_s: float  # wall time spent waiting for the simulator's periods (step_async -> step_wait)


def run_episode(env: SlicingEnv, policy: Policy, *, seed: int | None = None, first: View | None = None,
                after_step: AfterStep | None = None, recorder: EpisodeRecorder | None = None,
                max_steps: int | None = None, label: str = "episode") -> Episode:
    """Runs one episode (or its first max_steps periods). Starts it with env.reset(seed), unless `first` is the
    View of an episode that was already reset (e.g. in a background thread)."""
    if first is None:
        _, infos = env.reset(seed=seed)
        first = View.from_infos(infos)
    limit = env.scenario.control.episode_steps if max_steps is None else min(max_steps, env.scenario.control.episode_steps)
    view, total, busy, steps = first, np.zeros(len(env.possible_agents)), 0.0, 0
    bar = progress(total=limit, desc=label, unit="step", leave=False)
    while env.agents and steps < limit:
        shares = policy(view)
        sent = time.perf_counter()
        env.step_async({a: shares[i].astype(np.float32) for i, a in enumerate(env.agents)})
        _, rewards, _, truncated, infos = env.step_wait()  # a learner thread may update meanwhile
        busy += time.perf_counter() - sent
        r = np.array([rewards[a] for a in env.possible_agents])
        next_view = View.from_infos(infos)
        if recorder is not None:
            recorder.record(next_view.step, next_view.time_s, next_view.kpis, next_view.qos, r, next_view.shares)
        if after_step is not None:
            after_step(view, shares, r, next_view, any(truncated.values()))
        view, total, steps = next_view, total + r, steps + 1
        bar.update(1)
        bar.set_postfix(reward=f"{r.mean():.3f}", refresh=False)
    bar.close()
    return Episode(returns=total, sim_busy_s=busy)
