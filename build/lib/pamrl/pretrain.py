"""`pamrl pretrain-adapters`: train the SRM's adapters Fc1 (numbers) and Fc2 (LLM state) offline, before RL.

States come from the co-simulation itself: episodes under uniformly random shares (so that starved and
over-served slices both appear). The two views of each DU state (numeric features; the frozen language model's
pooled state of its informal prompt, no learnable tokens) are aligned by a symmetric InfoNCE loss: Fc1(x_i) must
pick out Fc2(h_i) among the batch and vice versa. The result loads into `pamrl train --adapters FILE`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from pamrl.bridge.env import SlicingEnv
from pamrl.bridge.protocol import NUM_SLICES
from pamrl.bridge.scenario import load_scenario
from pamrl.device import pick_device
from pamrl.language_model import PromptedEncoder, load_language_model
from pamrl.progress import progress
from pamrl.prompt import NUM_FEATURES, informal_prompt, numeric_features
from pamrl.rollout import View, run_episode
from pamrl.seeds import episode_seed, seed_everything
from pamrl.srm import StateRepresentation, alignment_loss


def collect_states(scenario_file: str, episodes: int, seed: int, rng: np.random.Generator):
    """Every View of `episodes` episodes under uniformly random shares: numeric features and informal prompts."""
    scenario = load_scenario(scenario_file)
    env = SlicingEnv(scenario)
    features, texts = [], []

    def keep(view: View) -> None:
        features.append(numeric_features(view.kpis, view.qos, view.shares, scenario.ran.bandwidth_rbs))
        texts.extend(informal_prompt(view.kpis[du], view.qos[du], view.shares[du], scenario)
                     for du in range(scenario.ran.num_dus))

    def random_shares(view: View) -> np.ndarray:
        keep(view)
        return rng.dirichlet(np.ones(NUM_SLICES), size=len(view.kpis))

    def keep_last(view, shares, rewards, next_view: View, done: bool) -> None:
        if done:
            keep(next_view)

    try:
        for episode in progress(range(episodes), desc="collect states", unit="episode"):
            run_episode(env, random_shares, seed=episode_seed(seed, episode, "pretrain"), after_step=keep_last)
    finally:
        env.close()
    return np.concatenate(features).astype(np.float32), texts


def pretrain_adapters(scenario_file: str, llm: str, episodes: int, out: Path, seed: int = 1, epochs: int = 200,
                      batch: int = 64, latent: int = 64, hidden: int = 128, device: str = "auto",
                      trust_remote_code: bool = False) -> dict[str, float]:
    rng = seed_everything(seed)
    dev = pick_device(device)
    features, texts = collect_states(scenario_file, episodes, seed, rng)
    encoder = PromptedEncoder(load_language_model(llm, dev, trust_remote_code), 0, max_text_tokens=256)
    with torch.no_grad():
        h = torch.cat([encoder(texts[i : i + 32]) for i in progress(range(0, len(texts), 32), desc="LLM states", unit="batch")])
    x = torch.as_tensor(features, device=dev)
    srm = StateRepresentation(NUM_FEATURES, encoder, latent=latent, hidden=hidden).to(dev)
    params = [p for m in srm.adapters().values() for p in m.parameters()]
    opt = torch.optim.Adam(params, lr=1e-3)
    n = len(x)
    order = np.arange(n)
    bar = progress(range(epochs), desc="align adapters", unit="epoch")
    for _ in bar:
        rng.shuffle(order)
        total = 0.0
        for i in range(0, n, batch):
            idx = torch.as_tensor(order[i : i + batch], device=dev)
            if len(idx) < 2:
                continue
            loss = alignment_loss(srm.fc1(x[idx]), srm.fc2(h[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        bar.set_postfix(loss=f"{total / n:.3f}")
    with torch.no_grad():
        a = torch.nn.functional.normalize(srm.fc1(x), dim=-1)
        b = torch.nn.functional.normalize(srm.fc2(h), dim=-1)
        # Retrieval accuracy among batches of `batch` states: how often the text view finds its own numbers.
        hits = sum((a[i : i + batch] @ b[i : i + batch].T).argmax(1).eq(torch.arange(len(a[i : i + batch]), device=dev)).sum().item()
                   for i in range(0, n, batch))
    report = {"states": float(n), "final_loss": total / n, "retrieval_accuracy": hits / n}
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"llm": llm, "hidden_size": encoder.hidden_size, "latent": latent, "hidden": hidden,
                "adapters": {k: m.state_dict() for k, m in srm.adapters().items()}, "report": report}, out)
    return report
