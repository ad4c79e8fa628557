"""Adapter pre-training on co-simulated states, and loading the result into training."""

import pytest
import torch

from pamrl.bridge.scenario import SCENARIO_DIR
from pamrl.config import TrainConfig
from pamrl.pretrain import pretrain_adapters
from pamrl.factory import build_agent

from pamrl.bridge.scenario import load_scenario


def test_pretrain_aligns_views_and_loads_into_training(tmp_path, simulator_binary):
    scen = tmp_path / "tiny.yaml"
    scen.write_text(f"extends: {SCENARIO_DIR / 'small.yaml'}\ncontrol: {{episode_steps: 10, warmup_ms: 200}}\n")
    out = tmp_path / "adapters.pt"
    report = pretrain_adapters(str(scen), "gpt2-arch-tiny", episodes=2, out=out, epochs=120, batch=16, latent=16,
                               hidden=32, device="cpu")
    assert report["states"] == 2 * 11 * 2  # episodes x observations x DUs
    # Retrieval within batches of 16 is 1/16 by chance; alignment must do far better.
    assert report["retrieval_accuracy"] > 3 / 16  # chance is 1/16
    saved = torch.load(out, weights_only=True)
    cfg = TrainConfig(method="pa-mrl", llm="gpt2-arch-tiny", latent=16, hidden=32, adapters=str(out), device="cpu")
    agent = build_agent(cfg, load_scenario("small"), torch.device("cpu"))
    for name, tensor in saved["adapters"]["fc2"].items():
        assert torch.equal(agent.srm.fc2.state_dict()[name], tensor)
    with pytest.raises(ValueError, match="trained for --llm gpt2-arch-tiny"):
        build_agent(TrainConfig(method="pa-mrl", llm="minilm", latent=16, hidden=32, adapters=str(out), device="cpu"),
                    load_scenario("small"), torch.device("cpu"))
