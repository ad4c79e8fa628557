"""Episodes under a fixed rule (`pamrl simulate`): a heuristic drives the real simulator, every step is recorded."""

from __future__ import annotations

import uuid
from pathlib import Path

import pandas as pd

from pamrl.bridge.env import SlicingEnv
from pamrl.bridge.scenario import Scenario, resolved_json
from pamrl.heuristics import HEURISTICS
from pamrl.metrics import EpisodeRecorder, RunInfo
from pamrl.rollout import from_rule, run_episode
from pamrl.seeds import episode_seed


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
            s = episode_seed(seed, episode, "simulate")
            run_episode(env, from_rule(HEURISTICS[policy]), seed=s, recorder=recorder, max_steps=max_steps,
                        label=f"{policy} seed {s}")
            recorder.write(out)
            frames.append(recorder.frame())
    finally:
        env.close()
    return pd.concat(frames, ignore_index=True)
