"""Training over the real simulator: every method runs, checkpoints and Parquet are written, an interrupted run
resumes to exactly the uninterrupted result, and bad flags fail clearly."""

import dataclasses

import pandas as pd
import pytest
import torch

from pamrl.bridge.scenario import SCENARIO_DIR
from pamrl.cli import main as cli
from pamrl.config import TrainConfig
from pamrl.evaluate import evaluate
from pamrl.train import train

FAST = dict(episodes=2, learning_starts=4, updates_per_step=1, batch_size=16, prompt_batch=2, prompt_tokens=4, hidden=32, latent=16,
            device="cpu", lockstep=True)


@pytest.fixture(scope="module")
def tiny_scenario(tmp_path_factory):
    p = tmp_path_factory.mktemp("scen") / "tiny.yaml"
    p.write_text(f"extends: {SCENARIO_DIR / 'small.yaml'}\nname: tiny\ncontrol: {{episode_steps: 4, warmup_ms: 200}}\n")
    return str(p)


def test_pa_mrl_minilm_writes_checkpoint_and_parquet(tmp_path, tiny_scenario, simulator_binary):
    out = train(TrainConfig(scenario=tiny_scenario, method="pa-mrl", llm="minilm", out=str(tmp_path), **FAST))
    steps = pd.read_parquet(out / "steps")
    updates = pd.read_parquet(out / "updates")
    assert sorted(steps["episode"].unique()) == [0, 1]
    assert len(steps) == 2 * 4 * 2 * 3  # episodes x steps x DUs x slices
    expected = {"run_id", "method", "scenario", "seed", "episode", "step", "du", "slice", "reward", "share", "qos",
                "DRB.UEThpDl", "DRB.RlcSduDelayDl.P95", "RRU.PrbUsedDl"}
    assert expected <= set(steps.columns)
    assert (out / "scenario.json").exists()
    assert {"losses/critic", "losses/actor", "losses/semantic_clustering", "charts/alpha", "charts/entropy"} <= set(updates.columns)
    assert len(updates) == 5  # one update after each of steps 4..8 (learning starts once 4 transitions are stored)
    ckpt = torch.load(out / "checkpoint.pt", weights_only=True)
    assert ckpt["episode"] == 1 and ckpt["agent"]["prompt"].shape[0] == 4
    assert ckpt["buffer"]["size"] == 8


def test_resume_equals_uninterrupted(tmp_path, tiny_scenario, simulator_binary):
    base = TrainConfig(scenario=tiny_scenario, method="pa-mrl", llm="minilm", **{**FAST, "episodes": 3})
    full = train(dataclasses.replace(base, out=str(tmp_path / "full")))
    # "Interrupted" after episode 1 (its checkpoint), then resumed.
    part = dataclasses.replace(base, out=str(tmp_path / "part"), episodes=2)
    train(part)
    resumed = train(dataclasses.replace(part, episodes=3, resume=True))

    a = torch.load(full / "checkpoint.pt", weights_only=True)
    b = torch.load(resumed / "checkpoint.pt", weights_only=True)
    for key in ("actor", "critic", "critic_target"):
        for name, tensor in a["agent"][key].items():
            assert torch.equal(tensor, b["agent"][key][name]), f"{key}.{name} differs after resume"
    assert torch.equal(a["agent"]["prompt"], b["agent"]["prompt"])
    drop = ["run_id"]
    sa = pd.read_parquet(full / "steps").drop(columns=drop).sort_values(["episode", "step", "du", "slice"])
    sb = pd.read_parquet(resumed / "steps").drop(columns=drop).sort_values(["episode", "step", "du", "slice"])
    pd.testing.assert_frame_equal(sa.reset_index(drop=True), sb.reset_index(drop=True))
    ua = pd.read_parquet(full / "updates").drop(columns=drop)
    ub = pd.read_parquet(resumed / "updates").drop(columns=drop)
    pd.testing.assert_frame_equal(ua.reset_index(drop=True), ub.reset_index(drop=True))


def test_resume_ignores_settings_the_method_does_not_use(tmp_path, tiny_scenario, simulator_binary):
    """A masac run trained with --prompt-tokens 20 (the default, unused without an LLM) resumes in a grid that
    says 0; what does define the run, its seed or what it learns with, still has to match."""
    cfg = TrainConfig(scenario=tiny_scenario, method="masac", out=str(tmp_path), **{**FAST, "prompt_tokens": 20, "episodes": 1})
    train(cfg)
    resumed = train(dataclasses.replace(cfg, prompt_tokens=0, llm="gpt2-arch-tiny", episodes=2, resume=True))
    assert sorted(pd.read_parquet(resumed / "steps")["episode"].unique()) == [0, 1]
    with pytest.raises(ValueError, match="seed: checkpoint 1, this run 2"):
        train(dataclasses.replace(cfg, seed=2, episodes=3, resume=True))
    with pytest.raises(ValueError, match="gamma: checkpoint 0.95, this run 0.5"):  # a learning setting: refused
        train(dataclasses.replace(cfg, gamma=0.5, episodes=3, resume=True))


def test_overlap_mode_learns_in_the_background_and_resumes(tmp_path, tiny_scenario, simulator_binary):
    cfg = TrainConfig(scenario=tiny_scenario, method="pa-mrl", llm="gpt2-arch-tiny", out=str(tmp_path),
                      **{**FAST, "lockstep": False, "episodes": 2})
    out = train(cfg)
    updates = pd.read_parquet(out / "updates")
    timing = pd.read_parquet(out / "timing")
    assert len(updates) >= 1 and updates["losses/critic"].notna().all()
    assert set(timing["mode"]) == {"overlap"}
    assert (timing["sim_busy_s"] <= timing["wall_s"]).all() and (timing["sim_busy_s"] > 0).all()
    # the learner never runs ahead of its cap of updates per environment step
    assert len(updates) <= cfg.overlap_update_cap * (2 * 4 - cfg.learning_starts + 1)
    resumed = train(dataclasses.replace(cfg, episodes=3, resume=True))
    assert sorted(pd.read_parquet(resumed / "steps")["episode"].unique()) == [0, 1, 2]


@pytest.mark.parametrize("method, llm", [("llm-frozen", "gpt2-arch-tiny"), ("pa-mrl", "gpt2-arch-tiny"),
                                         ("masac", "minilm"), ("equal", "minilm"), ("proportional", "minilm")])
def test_each_method_trains_and_evaluates(tmp_path, tiny_scenario, simulator_binary, method, llm):
    out = train(TrainConfig(scenario=tiny_scenario, method=method, llm=llm, out=str(tmp_path / "t"), **FAST))
    steps = pd.read_parquet(out / "steps")
    assert set(steps["method"]) == {method} and steps["reward"].between(0, 1).all()
    frame = evaluate(out / "checkpoint.pt", tiny_scenario, 1, tmp_path / "e", baseline="equal", device="cpu")
    assert set(frame["method"]) == {method, "equal"}


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--method", "ppo"], "--method must be one of"),
        (["--prompt-tokens", "-1"], "--prompt-tokens must be between 0 and 512"),
        (["--actor-sharing", "some"], "--actor-sharing must be shared or separate"),
        (["--llm", "no-such-model-xyz"], "cannot load --llm 'no-such-model-xyz'"),
        (["--scenario", "nowhere.yaml"], "does not exist"),
    ],
)
def test_bad_flags_fail_clearly(tmp_path, capsys, flags, message):
    code = cli(["train", "--out", str(tmp_path), "--episodes", "1", "--method", "pa-mrl", *flags])
    assert code == 2
    assert message in capsys.readouterr().err


def test_learner_thread_lowers_only_its_own_priority():
    import os
    import threading

    from pamrl.learner import lower_own_priority

    seen = {}

    def learner_thread():
        lower_own_priority(7)
        seen["learner"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    t = threading.Thread(target=learner_thread)
    t.start()
    t.join()
    assert seen["learner"] == max(7, before)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before  # the acting thread keeps its own


def test_background_reset_raises_its_failure_in_the_main_thread():
    from pamrl.bridge.errors import BridgeError
    from pamrl.train import BackgroundReset

    class SimulatorThatFailsToStart:  # the subject here is the failure: a reset that raises
        def reset(self, seed):
            raise BridgeError(f"simulator exited during start-up (seed {seed})")

    pending = BackgroundReset(SimulatorThatFailsToStart(), seed=3)
    with pytest.raises(BridgeError, match="seed 3"):
        pending.join()
    assert pending.join(raise_error=False)[1] >= 0  # the finally path: no raise, the timing still there


def _kill_simulator_at_step(monkeypatch, at_step: int, times: int = 1) -> dict:
    """kill -9 of the real simulator just before the environment's `at_step`-th step_async (counted over the run),
    `times` times in a row. The subject of the tests below is that failure."""
    import os
    import signal

    from pamrl.bridge.env import SlicingEnv

    seen = {"steps": 0, "kills": 0}
    original = SlicingEnv.step_async

    def step_async(self, actions):
        seen["steps"] += 1
        if seen["steps"] >= at_step and seen["kills"] < times:
            seen["kills"] += 1
            os.kill(self._process.pid, signal.SIGKILL)
        return original(self, actions)

    monkeypatch.setattr(SlicingEnv, "step_async", step_async)
    return seen


def test_lost_simulator_restarts_from_the_checkpoint_and_ends_as_the_uninterrupted_run(
        tmp_path, tiny_scenario, simulator_binary, monkeypatch):
    import json

    base = TrainConfig(scenario=tiny_scenario, method="masac", **{**FAST, "episodes": 3})
    full = train(dataclasses.replace(base, out=str(tmp_path / "full")))
    seen = _kill_simulator_at_step(monkeypatch, at_step=6)  # step 2 of episode 1 (4 steps per episode)
    crashed = train(dataclasses.replace(base, out=str(tmp_path / "crashed")))
    assert seen["kills"] == 1

    log = [json.loads(line) for line in (crashed / "restarts.jsonl").read_text().splitlines()]
    assert len(log) == 1 and log[0]["resumes_after_episode"] == 0 and "SimulatorDied" in log[0]["error"]
    a = torch.load(full / "checkpoint.pt", weights_only=True)
    b = torch.load(crashed / "checkpoint.pt", weights_only=True)
    for key in ("actor", "critic"):
        for name, tensor in a["agent"][key].items():
            assert torch.equal(tensor, b["agent"][key][name]), f"{key}.{name} differs after the restart"
    order = ["episode", "step", "du", "slice"]
    for table in ("steps", "updates"):  # nothing lost, nothing duplicated
        ta = pd.read_parquet(full / table).drop(columns=["run_id"])
        tb = pd.read_parquet(crashed / table).drop(columns=["run_id"])
        keys = order if table == "steps" else ["episode", "global_step"]
        pd.testing.assert_frame_equal(ta.sort_values(keys).reset_index(drop=True),
                                      tb.sort_values(keys).reset_index(drop=True))
    assert pd.read_parquet(crashed / "steps")["run_id"].nunique() == 1  # one run, whatever its restarts


def test_restarts_are_bounded(tmp_path, tiny_scenario, simulator_binary, monkeypatch):
    from pamrl.bridge.errors import SimulatorDied

    _kill_simulator_at_step(monkeypatch, at_step=2, times=10)
    cfg = TrainConfig(scenario=tiny_scenario, method="equal", out=str(tmp_path), max_sim_restarts=2,
                      **{**FAST, "episodes": 2})
    with pytest.raises(SimulatorDied):
        train(cfg)
    assert len((tmp_path / "restarts.jsonl").read_text().splitlines()) == 2
