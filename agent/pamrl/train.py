"""Training (`pamrl train`): the collector and learner around MASAC, episode by episode over the co-simulation.

One episode = one simulator run of `control.episode_steps` control periods, driven by rollout.run_episode; per
step the collector (TrainingStep) picks shares (a heuristic, random shares during warm-up, or the policy), stores
the transition and runs the updates that are due (in lock-step here; in overlap mode a background learner thread
does them: learner.py). Checkpoints (checkpoint.py) are written at episode boundaries; a resumed run restarts
after the last checkpointed episode and rewrites that episode's Parquet files onwards, so no metric row is lost or
duplicated; a lost simulator does the same by itself (train()).
"""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from pamrl import checkpoint
from pamrl.best_static import train_best_static
from pamrl.bridge.env import SlicingEnv
from pamrl.bridge.errors import PeerTimeout, SimulatorDied
from pamrl.bridge.protocol import NUM_SLICES, SLICE_NAMES
from pamrl.bridge.scenario import Scenario, load_scenario, resolved_json
from pamrl.config import LLM_METHODS, TrainConfig
from pamrl.device import pick_device
from pamrl.factory import build_agent
from pamrl.heuristics import HEURISTICS
from pamrl.learner import ActingCopy, BackgroundLearner
from pamrl.masac import MASAC
from pamrl.metrics import EpisodeRecorder, RunInfo, episode_returns, write_timing, write_updates
from pamrl.observer import Observation, Observer
from pamrl.progress import progress
from pamrl.prompt import NUM_FEATURES
from pamrl.replay import ReplayBuffer
from pamrl.rollout import View, run_episode
from pamrl.seeds import episode_seed, seed_everything


class BackgroundReset:
    """env.reset() in a thread: the simulator starts an episode (process start-up and warm-up, seconds at paper
    scale) while the main thread saves the last one. Only one thread uses the environment at a time: the main
    thread touches it again only after join()."""

    def __init__(self, env: SlicingEnv, seed: int):
        self.started = time.perf_counter()
        self.took = 0.0
        self.view: View | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(env, seed), name="pamrl-reset", daemon=True)
        self._thread.start()

    def _run(self, env: SlicingEnv, seed: int) -> None:
        try:
            _, infos = env.reset(seed=seed)
            self.view = View.from_infos(infos)
        except BaseException as e:  # noqa: BLE001 - raised again by join() in the main thread
            self.error = e
        self.took = time.perf_counter() - self.started

    def join(self, raise_error: bool = True) -> tuple[float, float, View | None]:
        """Waits for the reset; returns when it started, how long the simulator took, and the episode's first View."""
        self._thread.join()
        if self.error is not None and raise_error:
            raise self.error
        return self.started, self.took, self.view


class TrainingStep:
    """The collector's side of one training episode: shares for each View, then the transition into the replay
    buffer and the updates that are due (lock-step) or allowed (overlap)."""

    def __init__(self, cfg: TrainConfig, agent: MASAC | None, acting: MASAC | ActingCopy | None,
                 learner: BackgroundLearner | None, buffer: ReplayBuffer, rng: np.random.Generator,
                 observer: Observer, global_step: int, first: View):
        self.cfg, self.agent, self.acting, self.learner = cfg, agent, acting, learner
        self.buffer, self.rng, self.observer = buffer, rng, observer
        self.global_step = global_step
        self.update_rows: list[dict] = []
        self.obs: Observation = observer.look(first)

    def act(self, view: View) -> np.ndarray:
        if self.agent is None:
            return HEURISTICS[self.cfg.method](view.kpis)
        if self.global_step < self.cfg.learning_starts:
            return self.rng.dirichlet(np.ones(NUM_SLICES), size=len(view.kpis))
        return self.acting.act(self.obs.features, self.obs.hidden)

    def after_step(self, view: View, shares: np.ndarray, rewards: np.ndarray, next_view: View, done: bool) -> None:
        cfg, agent, obs = self.cfg, self.agent, self.obs
        nxt = self.observer.look(next_view)
        if agent is not None:
            # the action stored is what governed the period: the shares as the environment applied them
            self.buffer.add(obs.texts, features=obs.features, hidden=obs.hidden,
                            actions=next_view.shares.astype(np.float32), rewards=rewards.astype(np.float32),
                            next_features=nxt.features, next_hidden=nxt.hidden, labels=obs.labels)
            learning = self.global_step + 1 >= cfg.learning_starts
            if self.learner is not None:
                if self.global_step + 1 == cfg.learning_starts:
                    self.learner.start()
                if learning:
                    self.learner.allow()
            elif learning:
                prompt_steps = agent.prompt_steps
                for _ in range(cfg.updates_per_step):
                    losses = agent.update(self.buffer, self.rng)
                    self.update_rows.append({"global_step": self.global_step, **losses})
                if agent.prompt_steps != prompt_steps:
                    nxt = nxt._replace(hidden=agent.hidden_of(nxt.texts))  # act with the prompt tokens just updated
        self.obs = nxt
        self.global_step += 1


def _progress_postfix(frame: pd.DataFrame) -> dict[str, str]:
    per_slice = frame.groupby("slice")["qos"].mean()
    ret = episode_returns(frame).mean()
    return {"return": f"{ret:.2f}", **{s: f"{per_slice.get(s, float('nan')):.2f}" for s in SLICE_NAMES}}


def train(cfg: TrainConfig) -> Path:
    """Trains; a simulator that dies or goes silent mid-episode (crash, OOM, kill -9, hang) costs that episode only:
    its partial data is discarded, the run goes back to its last checkpoint (as --resume would; with the default
    checkpoint every episode, the end of the previous episode) and carries on with a fresh simulator, at most
    `max_sim_restarts` times. Each restart is logged to stderr and to out/restarts.jsonl. In lock-step a run with a
    restart ends bit for bit where the same run without one ends."""
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    scenario = load_scenario(cfg.scenario)
    if cfg.method == "best-static":
        return train_best_static(cfg, scenario, out)
    run_id = uuid.uuid4().hex[:12]
    if cfg.resume and (out / checkpoint.CHECKPOINT).exists():
        run_id = checkpoint.run_id_of(out / checkpoint.CHECKPOINT) or run_id
    threads = torch.get_num_threads()
    if cfg.threads or cfg.method not in LLM_METHODS:
        torch.set_num_threads(cfg.threads or 1)
    try:
        return _train_with_restarts(cfg, scenario, out, run_id)
    finally:
        torch.set_num_threads(threads)  # the caller's setting, e.g. a test process that trains several runs


def _train_with_restarts(cfg: TrainConfig, scenario: Scenario, out: Path, run_id: str) -> Path:
    restarts = 0
    while True:
        try:
            return _train(cfg, scenario, out, run_id, restarted=restarts > 0)
        except (SimulatorDied, PeerTimeout) as e:
            restarts += 1
            if restarts > cfg.max_sim_restarts:
                raise
            head = checkpoint.head(out / checkpoint.CHECKPOINT)
            back_to = head["episode"] if head is not None and head["run_id"] == run_id else None
            entry = {"time": time.time(), "restart": restarts, "error": f"{type(e).__name__}: {e}",
                     "resumes_after_episode": back_to}
            with open(out / "restarts.jsonl", "a") as f:
                f.write(json.dumps(entry) + "\n")
            where = "the start" if back_to is None else f"the checkpoint after episode {back_to}"
            print(f"pamrl train: simulator lost ({entry['error']}); restart {restarts} of {cfg.max_sim_restarts} "
                  f"from {where}", file=sys.stderr, flush=True)


def _train(cfg: TrainConfig, scenario: Scenario, out: Path, run_id: str, restarted: bool) -> Path:
    """One attempt at the run. `restarted`: after a lost simulator, continue from this run's own checkpoint."""
    device = pick_device(cfg.device)
    rng = seed_everything(cfg.seed)
    agent = build_agent(cfg, scenario, device) if cfg.learned else None
    hidden_size = agent.srm.encoder.hidden_size if agent is not None and agent.srm.uses_llm else 1
    buffer = ReplayBuffer(cfg.buffer_size, scenario.ran.num_dus, NUM_FEATURES, hidden_size)
    start_episode, global_step = 0, 0

    ckpt_path = out / checkpoint.CHECKPOINT
    if (cfg.resume or restarted) and ckpt_path.exists() and checkpoint.run_id_of(ckpt_path) == run_id:
        start_episode, global_step = checkpoint.restore(checkpoint.load(ckpt_path, device), cfg, out, agent, buffer, rng)
    (out / "config.json").write_text(json.dumps(dataclasses.asdict(cfg), indent=1))
    (out / "scenario.json").write_text(resolved_json(scenario))  # the fully resolved scenario of this run

    info = RunInfo(run_id=run_id, method=cfg.method, scenario=scenario.name, seed=cfg.seed)
    env = SlicingEnv(scenario, endpoint=cfg.endpoint or None, attach=cfg.attach, timeout_s=cfg.timeout,
                     dismiss_on_close=not cfg.keep_simulator)
    overlap = agent is not None and not cfg.lockstep
    acting = ActingCopy(agent) if overlap else agent
    learner = (BackgroundLearner(agent, buffer, rng, acting, cfg.overlap_update_cap, cfg.learner_niceness)
               if overlap else None)
    observer = Observer(scenario, acting)
    bar = progress(total=cfg.episodes, initial=start_episode, desc=f"train {cfg.method}", unit="episode")
    next_reset: BackgroundReset | None = None
    try:
        for episode in range(start_episode, cfg.episodes):
            recorder = EpisodeRecorder(info, episode)
            if next_reset is None:
                next_reset = BackgroundReset(env, episode_seed(cfg.seed, episode))
            started, sim_busy, first = next_reset.join()  # start-up and warm-up are simulator time
            next_reset = None
            if learner is not None and global_step >= cfg.learning_starts:
                learner.start()
            step = TrainingStep(cfg, agent, acting, learner, buffer, rng, observer, global_step, first)
            result = run_episode(env, step.act, first=first, after_step=step.after_step, recorder=recorder,
                                 label=f"episode {episode}")
            global_step, update_rows = step.global_step, step.update_rows
            sim_busy += result.sim_busy_s
            if episode + 1 < cfg.episodes:
                # The simulator starts the next episode while this one is saved (and the learner's update in
                # flight ends): neither is then on the simulator's critical path. Any excess shows in the next
                # episode's wall time, as its wait for the reset.
                next_reset = BackgroundReset(env, episode_seed(cfg.seed, episode + 1))
                wall = next_reset.started - started
            if learner is not None:
                learner.pause()  # checkpoints and metrics are taken with the learner at rest
                update_rows += [{"global_step": global_step, **row} for row in learner.take_rows()]
            if next_reset is None:
                wall = time.perf_counter() - started
            recorder.write(out)
            write_updates([{"run_id": run_id, "method": cfg.method, "episode": episode, **row} for row in update_rows],
                          out, episode)
            write_timing({"run_id": run_id, "method": cfg.method, "episode": episode, "mode":
                          "overlap" if overlap else "lockstep", "wall_s": wall, "sim_busy_s": sim_busy,
                          "steps": scenario.control.episode_steps, "updates": len(update_rows)}, out)
            bar.set_postfix(_progress_postfix(recorder.frame()), refresh=False)
            bar.update(1)
            if (episode + 1) % cfg.checkpoint_every == 0 or episode + 1 == cfg.episodes:
                checkpoint.save(ckpt_path, cfg, episode, global_step, run_id, agent, buffer, rng)
            if learner is not None and next_reset is not None and global_step >= cfg.learning_starts:
                learner.start()  # updates it is still owed run while the simulator starts the next episode
    finally:
        if learner is not None:
            learner.pause()
        if next_reset is not None:
            next_reset.join(raise_error=False)  # the environment is used by one thread at a time
        bar.close()
        env.close()
    return out
