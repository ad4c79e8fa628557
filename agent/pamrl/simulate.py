"""One co-simulated episode under a fixed-rule policy (`pamrl simulate`)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from pamrl.progress import progress

from pamrl.bridge.env import SlicingEnv
from pamrl.bridge.reward import rewards
from pamrl.bridge.scenario import Scenario, resolved_json
from pamrl.heuristics import HEURISTICS
from pamrl.metrics import EpisodeRecorder, RunInfo


def run_fixed_rule_episode(env: SlicingEnv, choose: Callable[[np.ndarray], np.ndarray], seed: int,
                           recorder: EpisodeRecorder, max_steps: int | None = None, label: str = "") -> np.ndarray:
    """Runs one episode (or its first max_steps control periods) under a fixed rule (KPIs [du, slice, kpi] ->
    shares [du, slice]: a heuristic, or best-static's fixed shares); returns each DU's return (sum of rewards)."""
    env.reset(seed=seed)
    steps = env.scenario.control.episode_steps if max_steps is None else min(max_steps, env.scenario.control.episode_steps)
    total = np.zeros(env.scenario.ran.num_dus)
    bar = progress(total=steps, desc=f"{label} seed {seed}", unit="step", leave=False)
    for _ in range(steps):
        shares = choose(env.kpis)
        env.step({a: shares[i].astype(np.float32) for i, a in enumerate(env.agents)})
        r = rewards(env.kpis, env.scenario)
        recorder.record(env.step_index, env.time_s, env.kpis, env.qos(), r, env.shares)
        total += r
        bar.update(1)
        bar.set_postfix(reward=f"{r.mean():.3f}", refresh=False)
    bar.close()
    return total


def simulate(scenario: Scenario, policy: str, seed: int, out: Path, max_steps: int | None = None,
             episodes: int = 1, **env_options) -> pd.DataFrame:
    """Runs `episodes` episodes (seeds seed, seed+1, ...); env_options go to SlicingEnv (endpoint, attach, ...)."""
    info = RunInfo(run_id=uuid.uuid4().hex[:12], method=policy, scenario=scenario.name, seed=seed)
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / "scenario.json").write_text(resolved_json(scenario))
    env = SlicingEnv(scenario, **env_options)
    frames = []
    try:
        for episode in range(episodes):
            recorder = EpisodeRecorder(info, episode=episode)
            run_fixed_rule_episode(env, HEURISTICS[policy], seed + episode, recorder, max_steps, policy)
            recorder.write(out)
            frames.append(recorder.frame())
    finally:
        env.close()
    return pd.concat(frames, ignore_index=True)
