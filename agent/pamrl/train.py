"""Training and evaluation over the co-simulation (`pamrl train`, `pamrl evaluate`).

One episode = one simulator run of `control.episode_steps` control periods. Checkpoints are written at episode
boundaries and hold everything needed to continue bit for bit on CPU: networks, prompt tokens, adapters,
optimisers, the replay buffer (as chunk files under replay/, only what changed is rewritten: replay.py) and every
random state. A resumed run restarts after the last checkpointed episode and rewrites that episode's Parquet files
onwards, so no metric row is lost or duplicated; a lost simulator does the same by itself (train()).
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import sys
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from pamrl.progress import progress

from pamrl.bridge.env import SlicingEnv
from pamrl.bridge.errors import PeerTimeout, SimulatorDied
from pamrl.bridge.reward import rewards as compute_rewards
from pamrl.bridge.scenario import SLICE_NAMES, Scenario, load_scenario, resolved_json
from pamrl.best_static import FixedShares, search_best_static
from pamrl.config import TrainConfig, config_from_checkpoint
from pamrl.heuristics import HEURISTICS
from pamrl.language_model import PromptedEncoder, load_language_model
from pamrl.learner import ActingCopy, BackgroundLearner
from pamrl.masac import MASAC, SacSettings
from pamrl.replay import ReplayBuffer
from pamrl.metrics import EpisodeRecorder, RunInfo, write_updates
from pamrl.prompt import NUM_FEATURES, informal_prompt, numeric_features
from pamrl.srm import StateRepresentation

CHECKPOINT = "checkpoint.pt"
REPLAY_DIR = "replay"  # the replay buffer's chunk files, named by the checkpoint (replay.py)
EVAL_SEED_BASE = 10**6  # evaluation episode e runs ns-3 seed EVAL_SEED_BASE + e + 1, for every method alike
QOS_MET = 0.9  # a slice "meets its QoS" at this level; the semantic labels of the clustering loss use it


def seed_everything(seed: int) -> np.random.Generator:
    random.seed(seed)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def episode_seed(cfg: TrainConfig, episode: int) -> int:
    return cfg.seed * 100000 + episode


def build_agent(cfg: TrainConfig, scenario: Scenario, device: torch.device) -> MASAC:
    encoder = None
    if cfg.method in ("pa-mrl", "llm-frozen"):
        lm = load_language_model(cfg.llm, device, cfg.trust_remote_code)
        encoder = PromptedEncoder(lm, cfg.num_prompt_tokens, max_text_tokens=256, seed=cfg.seed)
    srm = StateRepresentation(NUM_FEATURES, encoder, latent=cfg.latent, hidden=cfg.hidden, prompt_style=cfg.prompt_style)
    if cfg.adapters:
        load_adapters(srm, Path(cfg.adapters), cfg.llm if encoder else None)
    settings = SacSettings(**{f.name: getattr(cfg, f.name) for f in dataclasses.fields(SacSettings)})
    return MASAC(srm, scenario.ran.num_dus, NUM_FEATURES, settings, device)


def load_adapters(srm: StateRepresentation, path: Path, llm: str | None) -> None:
    saved = torch.load(path, map_location="cpu", weights_only=True)
    if llm is not None and saved["llm"] != llm:
        raise ValueError(f"adapters in {path} were trained for --llm {saved['llm']}, not {llm}")
    for name, module in srm.adapters().items():
        if name not in saved["adapters"]:
            raise ValueError(f"adapters in {path} lack {name} (trained without a language model?)")
        module.load_state_dict(saved["adapters"][name])


class Observer:
    """Turns the environment's last KPIs into what the agent reads: features, prompts, LLM states, labels."""

    def __init__(self, env: SlicingEnv, agent: MASAC | ActingCopy | None):
        self.env, self.agent = env, agent
        self._cache: tuple[list[str], np.ndarray] | None = None
        policy = agent.policy if isinstance(agent, ActingCopy) else agent
        self.uses_llm = policy is not None and policy.srm.uses_llm
        self.learns_prompt = policy is not None and bool(policy.prompt_parameters())
        self.style = policy.srm.prompt_style if policy is not None else None

    def look(self):
        env = self.env
        qos = env.qos()
        features = numeric_features(env.kpis, qos, env.shares, env.scenario.ran.bandwidth_rbs)
        labels = ((qos >= QOS_MET) * (1 << np.arange(len(SLICE_NAMES)))).sum(axis=1)
        texts, hidden = [], np.zeros((len(features), 1), np.float32)
        if self.agent is not None and self.uses_llm:
            texts = [informal_prompt(env.kpis[du], qos[du], env.shares[du], env.scenario, self.style)
                     for du in range(len(features))]
            frozen = not self.learns_prompt
            if frozen and self._cache is not None and self._cache[0] == texts:
                hidden = self._cache[1]  # frozen prompt: the state depends on the text alone
            else:
                hidden = self.agent.hidden_of(texts)
                self._cache = (texts, hidden)
        return features, texts, hidden, labels


class BackgroundReset:
    """env.reset() in a thread: the simulator starts an episode (process start-up and warm-up, seconds at paper
    scale) while the main thread saves the last one. Only one thread uses the environment at a time: the main
    thread touches it again only after join()."""

    def __init__(self, env: SlicingEnv, seed: int):
        self.started = time.perf_counter()
        self.took = 0.0
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(env, seed), name="pamrl-reset", daemon=True)
        self._thread.start()

    def _run(self, env: SlicingEnv, seed: int) -> None:
        try:
            env.reset(seed=seed)
        except BaseException as e:  # noqa: BLE001 - raised again by join() in the main thread
            self.error = e
        self.took = time.perf_counter() - self.started

    def join(self, raise_error: bool = True) -> tuple[float, float]:
        """Waits for the reset; returns when it started and how long the simulator took."""
        self._thread.join()
        if self.error is not None and raise_error:
            raise self.error
        return self.started, self.took


def _progress_postfix(frame: pd.DataFrame) -> dict[str, str]:
    per_slice = frame.groupby("slice")["qos"].mean()
    ret = frame.groupby(["step", "du"])["reward"].first().groupby("du").sum().mean()
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
    if cfg.resume and (out / CHECKPOINT).exists():
        run_id = _checkpoint_run_id(out / CHECKPOINT) or run_id
    restarts = 0
    while True:
        try:
            return _train(cfg, scenario, out, run_id, restarted=restarts > 0)
        except (SimulatorDied, PeerTimeout) as e:
            restarts += 1
            if restarts > cfg.max_sim_restarts:
                raise
            head = _checkpoint_head(out / CHECKPOINT)
            back_to = head["episode"] if head is not None and head["run_id"] == run_id else None
            entry = {"time": time.time(), "restart": restarts, "error": f"{type(e).__name__}: {e}",
                     "resumes_after_episode": back_to}
            with open(out / "restarts.jsonl", "a") as f:
                f.write(json.dumps(entry) + "\n")
            where = "the start" if back_to is None else f"the checkpoint after episode {back_to}"
            print(f"pamrl train: simulator lost ({entry['error']}); restart {restarts} of {cfg.max_sim_restarts} "
                  f"from {where}", file=sys.stderr, flush=True)


def _checkpoint_head(path: Path) -> dict | None:
    """A checkpoint's run id and last episode, or None without a readable checkpoint."""
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
        return {"run_id": ckpt["run_id"], "episode": ckpt["episode"]}
    except (OSError, RuntimeError, KeyError):
        return None


def _checkpoint_run_id(path: Path) -> str | None:
    head = _checkpoint_head(path)
    return head["run_id"] if head is not None else None


def _train(cfg: TrainConfig, scenario: Scenario, out: Path, run_id: str, restarted: bool) -> Path:
    """One attempt at the run. `restarted`: after a lost simulator, continue from this run's own checkpoint."""
    device = pick_device(cfg.device)
    rng = seed_everything(cfg.seed)
    agent = build_agent(cfg, scenario, device) if cfg.learned else None
    hidden_size = agent.srm.encoder.hidden_size if agent is not None and agent.srm.uses_llm else 1
    buffer = ReplayBuffer(cfg.buffer_size, scenario.ran.num_dus, NUM_FEATURES, hidden_size)
    start_episode, global_step = 0, 0

    ckpt_path = out / CHECKPOINT
    if (cfg.resume or restarted) and ckpt_path.exists() and _checkpoint_run_id(ckpt_path) == run_id:
        ckpt = torch.load(ckpt_path, map_location=device, weights_only=True)
        saved = ckpt["config"]
        for key in ("method", "llm", "prompt_tokens", "seed", "scenario"):
            if saved[key] != getattr(cfg, key):
                raise ValueError(f"--resume: checkpoint has {key}={saved[key]!r}, this run {getattr(cfg, key)!r}")
        start_episode, global_step = ckpt["episode"] + 1, ckpt["global_step"]
        if agent is not None:
            agent.load_trainable_state(ckpt["agent"])
            buffer.load(out / REPLAY_DIR, ckpt["buffer"])
        rng.bit_generator.state = ckpt["rng"]["numpy"]
        torch.set_rng_state(ckpt["rng"]["torch"])
        random.setstate(ckpt["rng"]["python"])
    (out / "config.json").write_text(json.dumps(dataclasses.asdict(cfg), indent=1))
    (out / "scenario.json").write_text(resolved_json(scenario))  # the fully resolved scenario of this run

    info = RunInfo(run_id=run_id, method=cfg.method, scenario=scenario.name, seed=cfg.seed)
    env = SlicingEnv(scenario, endpoint=cfg.endpoint or None, attach=cfg.attach, timeout_s=cfg.timeout,
                     dismiss_on_close=not cfg.keep_simulator)
    overlap = agent is not None and not cfg.lockstep
    acting = ActingCopy(agent) if overlap else agent
    learner = (BackgroundLearner(agent, buffer, rng, acting, cfg.overlap_update_cap, cfg.learner_niceness)
               if overlap else None)
    observer = Observer(env, acting)
    bar = progress(total=cfg.episodes, initial=start_episode, desc=f"train {cfg.method}", unit="episode")
    next_reset: BackgroundReset | None = None
    try:
        for episode in range(start_episode, cfg.episodes):
            recorder = EpisodeRecorder(info, episode)
            update_rows: list[dict] = []
            if next_reset is None:
                next_reset = BackgroundReset(env, episode_seed(cfg, episode))
            started, sim_busy = next_reset.join()  # start-up and warm-up are simulator time
            next_reset = None
            if learner is not None and global_step >= cfg.learning_starts:
                learner.start()
            features, texts, hidden, labels = observer.look()
            steps = progress(total=scenario.control.episode_steps, desc=f"episode {episode}", unit="step", leave=False)
            while env.agents:
                if agent is None:
                    actions = HEURISTICS[cfg.method](env.kpis)
                elif global_step < cfg.learning_starts:
                    actions = rng.dirichlet(np.ones(len(SLICE_NAMES)), size=len(env.agents))
                else:
                    actions = acting.act(features, hidden)
                sent = time.perf_counter()
                env.step_async({a: actions[i].astype(np.float32) for i, a in enumerate(env.agents)})
                env.step_wait()  # in overlap mode the learner thread updates meanwhile
                sim_busy += time.perf_counter() - sent
                r = compute_rewards(env.kpis, scenario)
                recorder.record(env.step_index, env.time_s, env.kpis, env.qos(), r, env.shares)
                next_features, next_texts, next_hidden, next_labels = observer.look()
                if agent is not None:
                    buffer.add(texts, features=features, hidden=hidden, actions=env.shares.astype(np.float32),
                               rewards=r.astype(np.float32), next_features=next_features, next_hidden=next_hidden,
                               labels=labels)
                    if global_step + 1 == cfg.learning_starts and learner is not None:
                        learner.start()
                    if learner is not None:
                        if global_step + 1 >= cfg.learning_starts:
                            learner.allow()
                    elif global_step + 1 >= cfg.learning_starts:
                        prompt_steps = agent.prompt_steps
                        for _ in range(cfg.updates_per_step):
                            losses = agent.update(buffer, rng)
                            update_rows.append({"global_step": global_step, **losses})
                        if agent.prompt_steps != prompt_steps:
                            next_hidden = agent.hidden_of(next_texts)  # act with the prompt tokens just updated
                features, texts, hidden, labels = next_features, next_texts, next_hidden, next_labels
                global_step += 1
                steps.update(1)
            steps.close()
            if episode + 1 < cfg.episodes:
                # The simulator starts the next episode while this one is saved (and the learner's update in
                # flight ends): neither is then on the simulator's critical path. Any excess shows in the next
                # episode's wall time, as its wait for the reset.
                next_reset = BackgroundReset(env, episode_seed(cfg, episode + 1))
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
                save_checkpoint(ckpt_path, cfg, episode, global_step, run_id, agent, buffer, rng)
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


def train_best_static(cfg: TrainConfig, scenario: Scenario, out: Path) -> Path:
    """`--method best-static`: searches the best fixed shares on the training seeds (best_static.py); its
    checkpoint holds them. A finished search is not run again (--resume)."""
    ckpt_path = out / CHECKPOINT
    if cfg.resume and ckpt_path.exists():
        return out
    (out / "config.json").write_text(json.dumps(dataclasses.asdict(cfg), indent=1))
    (out / "scenario.json").write_text(resolved_json(scenario))
    run_id = uuid.uuid4().hex[:12]
    info = RunInfo(run_id=run_id, method=cfg.method, scenario=scenario.name, seed=cfg.seed)
    per_du = cfg.static_per_du == "true" or (cfg.static_per_du == "auto" and scenario.ran.hotspot_du is not None)
    seeds = [episode_seed(cfg, e) for e in range(cfg.static_search_episodes)]
    shares, score, table = search_best_static(
        scenario, seeds, cfg.episodes, cfg.static_grid_step, per_du, info, out,
        lambda: SlicingEnv(scenario, endpoint=cfg.endpoint or None, attach=cfg.attach, timeout_s=cfg.timeout))
    table.assign(run_id=run_id).to_parquet(out / "search.parquet", index=False)
    state = {"config": dataclasses.asdict(cfg), "episode": int(table["candidate"].max()), "global_step": 0,
             "run_id": run_id, "static_shares": torch.as_tensor(shares, dtype=torch.float64),
             "static_search_return": torch.as_tensor(score, dtype=torch.float64)}
    tmp = ckpt_path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, ckpt_path)
    print(f"best-static on {scenario.name}: shares per DU {np.round(shares, 3).tolist()}, "
          f"search return {score.mean():.3f} (training seeds {seeds})")
    return out


def write_timing(row: dict, out: Path) -> None:
    """Per-episode wall time and the part of it the simulator was computing (`timing/episode-000012.parquet`)."""
    path = Path(out) / "timing" / f"episode-{row['episode']:06d}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame([row]).to_parquet(path, index=False)


def save_checkpoint(path: Path, cfg: TrainConfig, episode: int, global_step: int, run_id: str, agent: MASAC | None,
                    buffer: ReplayBuffer, rng: np.random.Generator) -> None:
    state = {
        "config": dataclasses.asdict(cfg),
        "episode": episode,
        "global_step": global_step,
        "run_id": run_id,
        "rng": {"numpy": rng.bit_generator.state, "torch": torch.get_rng_state(), "python": random.getstate()},
    }
    if agent is not None:
        state["agent"] = agent.trainable_state()
        state["buffer"] = buffer.save(path.parent / REPLAY_DIR, tag=f"e{episode:06d}")
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # a crash while saving never leaves a half-written checkpoint
    if agent is not None:
        ReplayBuffer.prune(path.parent / REPLAY_DIR, state["buffer"])


def evaluate(checkpoint: Path, scenario_file: str, episodes: int, out: Path, baseline: str | None = None,
             device: str = "auto", endpoint: str | None = None, attach: bool = False,
             timeout_s: float | None = None) -> pd.DataFrame:
    """Runs the saved policy (deterministic: the mean action) and optionally a heuristic on the same seeds, one
    simulator run per episode (started here, or externally started ones with `attach`)."""
    ckpt = torch.load(checkpoint, map_location="cpu", weights_only=True)
    cfg = config_from_checkpoint(ckpt["config"], scenario=scenario_file, device=device)
    scenario = load_scenario(scenario_file)
    dev = pick_device(cfg.device)
    seed_everything(cfg.seed)
    agent, fixed = None, None
    if cfg.learned:
        agent = build_agent(cfg, scenario, dev)
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
        for method, policy in methods:
            info = RunInfo(run_id=f"eval-{ckpt['run_id']}", method=method, scenario=scenario.name, seed=cfg.seed)
            observer = Observer(env, policy)
            choose = fixed if method == cfg.method and fixed is not None else HEURISTICS.get(method)
            for episode in progress(range(episodes), desc=f"evaluate {method}", unit="episode"):
                recorder = EpisodeRecorder(info, episode)
                env.reset(seed=EVAL_SEED_BASE + episode)
                while env.agents:
                    if policy is None:
                        actions = choose(env.kpis)
                    else:
                        features, _, hidden, _ = observer.look()
                        actions = policy.act(features, hidden, deterministic=True)
                    env.step({a: actions[i].astype(np.float32) for i, a in enumerate(env.agents)})
                    recorder.record(env.step_index, env.time_s, env.kpis, env.qos(),
                                    compute_rewards(env.kpis, scenario), env.shares)
                recorder.write(out / method)
                frames.append(recorder.frame())
    finally:
        env.close()
    return pd.concat(frames, ignore_index=True)


def comparison_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per method: mean episode return (per DU), mean QoS level per slice, and the QoS satisfaction rate per slice
    (share of control periods in which the slice met all its targets)."""
    ret = (frame.groupby(["method", "episode", "step", "du"])["reward"].first()
           .groupby(["method", "episode", "du"]).sum().groupby("method").mean().rename("return"))
    qos = frame.pivot_table(index="method", columns="slice", values="qos", aggfunc="mean")[list(SLICE_NAMES)]
    qos.columns = [f"QoS {c}" for c in qos.columns]
    met = frame.assign(qos_met=frame["qos_met"].astype(float)).pivot_table(
        index="method", columns="slice", values="qos_met", aggfunc="mean")[list(SLICE_NAMES)]
    met.columns = [f"sat {c}" for c in met.columns]
    return pd.concat([ret, qos, met], axis=1)
