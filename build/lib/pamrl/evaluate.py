"""`pamrl evaluate`: a frozen policy (deterministic: the mean action) and optionally a heuristic, on the evaluation
seeds (the same episodes for every method and every training seed: seeds.py), and the comparison table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pamrl import checkpoint
from pamrl.best_static import FixedShares
from pamrl.bridge.env import SlicingEnv
from pamrl.bridge.protocol import SLICE_NAMES
from pamrl.bridge.scenario import load_scenario
from pamrl.config import config_from_checkpoint
from pamrl.device import pick_device
from pamrl.factory import build_agent
from pamrl.heuristics import HEURISTICS
from pamrl.metrics import EpisodeRecorder, RunInfo, episode_returns
from pamrl.observer import Observer
from pamrl.progress import progress
from pamrl.rollout import View, from_rule, run_episode
from pamrl.seeds import episode_seed, seed_everything


def evaluate(checkpoint_file: Path, scenario_file: str, episodes: int, out: Path, baseline: str | None = None,
             device: str = "auto", endpoint: str | None = None, attach: bool = False,
             timeout_s: float | None = None) -> pd.DataFrame:
    """One simulator run per episode (started here, or externally started ones with `attach`); every method's
    step rows land in out/<method>/ and are returned together."""
    ckpt = checkpoint.load(checkpoint_file)
    cfg = config_from_checkpoint(ckpt["config"], scenario=scenario_file, device=device)
    scenario = load_scenario(scenario_file)
    seed_everything(cfg.seed)
    agent, fixed = None, None
    if cfg.learned:
        agent = build_agent(cfg, scenario, pick_device(cfg.device))
        if scenario.ran.num_dus != agent.num_dus:
            raise ValueError(f"checkpoint was trained with {agent.num_dus} DUs; scenario {scenario.name} has "
                             f"{scenario.ran.num_dus}")
        agent.load_trainable_state(ckpt["agent"])
    elif cfg.method == "best-static":
        shares = ckpt["static_shares"].numpy()
        if shares.shape[0] != scenario.ran.num_dus:
            raise ValueError(f"best-static shares are for {shares.shape[0]} DUs; scenario {scenario.name} has "
                             f"{scenario.ran.num_dus}")
        fixed = FixedShares(shares)
    frames = []
    methods = [(cfg.method, agent)] + ([(baseline, None)] if baseline else [])
    env = SlicingEnv(scenario, endpoint=endpoint, attach=attach, timeout_s=timeout_s or cfg.timeout)
    try:
        for method, learned in methods:
            info = RunInfo(run_id=f"eval-{ckpt['run_id']}", method=method, scenario=scenario.name, seed=cfg.seed)
            if learned is not None:
                observer = Observer(scenario, learned)

                def policy(view: View, learned=learned, observer=observer):
                    features, _, hidden, _ = observer.look(view)
                    return learned.act(features, hidden, deterministic=True)
            else:
                policy = from_rule(fixed if method == cfg.method and fixed is not None else HEURISTICS[method])
            for episode in progress(range(episodes), desc=f"evaluate {method}", unit="episode"):
                recorder = EpisodeRecorder(info, episode)
                run_episode(env, policy, seed=episode_seed(cfg.seed, episode, "evaluate"), recorder=recorder,
                            label=f"episode {episode}")
                recorder.write(out / method)
                frames.append(recorder.frame())
    finally:
        env.close()
    return pd.concat(frames, ignore_index=True)


def comparison_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per method: mean episode return (per DU), mean QoS level per slice, and the QoS satisfaction rate per slice
    (share of control periods in which the slice met all its targets)."""
    ret = episode_returns(frame, ["method"]).groupby("method").mean()
    qos = frame.pivot_table(index="method", columns="slice", values="qos", aggfunc="mean")[list(SLICE_NAMES)]
    qos.columns = [f"QoS {c}" for c in qos.columns]
    met = frame.assign(qos_met=frame["qos_met"].astype(float)).pivot_table(
        index="method", columns="slice", values="qos_met", aggfunc="mean")[list(SLICE_NAMES)]
    met.columns = [f"sat {c}" for c in met.columns]
    return pd.concat([ret, qos, met], axis=1)
