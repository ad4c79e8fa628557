"""A sanity ladder for learning, on the real simulator, short and deterministic (lock-step): when one slice alone
carries load, MASAC's deterministic shares move towards it. The assertion is a direction, not a tuned number."""

import pandas as pd
import pytest

from pamrl.bridge.scenario import SCENARIO_DIR
from pamrl.config import TrainConfig
from pamrl.evaluate import evaluate
from pamrl.metrics import episode_returns
from pamrl.train import train


@pytest.fixture(scope="module")
def embb_only(tmp_path_factory):
    """`small` with only eMBB loaded (3 UEs x 3 Mbps per DU: a third of the carrier serves about half of it) and
    URLLC / mMTC nearly idle and out of the reward: every RBG moved to eMBB raises the reward until it is served."""
    p = tmp_path_factory.mktemp("scen") / "embb-only.yaml"
    p.write_text(
        f"extends: {SCENARIO_DIR / 'small.yaml'}\nname: embb-only\ncontrol: {{episode_steps: 20, warmup_ms: 200}}\n"
        "slices:\n"
        "  urllc: {traffic: {rate_mbps_per_ue: 0.01}}\n"
        "  mmtc: {traffic: {rate_mbps_per_ue: 0.01}}\n"
        "reward: {weights: {embb: 1.0, urllc: 0.0, mmtc: 0.0}}\n")
    return str(p)


def test_masac_moves_its_shares_towards_the_only_loaded_slice(tmp_path, embb_only, simulator_binary):
    cfg = TrainConfig(scenario=embb_only, method="masac", episodes=10, learning_starts=40, updates_per_step=4,
                      seed=1, lockstep=True, device="cpu", out=str(tmp_path / "train"))
    out = train(cfg)
    updates = pd.read_parquet(out / "updates")
    first, last = updates.iloc[:20]["charts/mean_share_embb"].mean(), updates.iloc[-20:]["charts/mean_share_embb"].mean()
    assert last > first + 0.1, f"the policy's eMBB share went from {first:.2f} to {last:.2f}"
    frame = evaluate(out / "checkpoint.pt", embb_only, 1, tmp_path / "eval", baseline="equal", device="cpu")
    shares = frame[frame["slice"] == "embb"].groupby("method")["share"].mean()
    assert shares["masac"] > 0.5, f"deterministic eMBB share {shares['masac']:.2f}"
    returns = episode_returns(frame, ["method"]).groupby("method").mean()
    assert returns["masac"] > returns["equal"]
