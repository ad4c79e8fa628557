"""Building an agent from its settings: the language model (loaded, or handed in by the caller), the SRM with its
adapters (optionally pre-trained ones), and MASAC around them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import torch

from pamrl.bridge.protocol import NUM_KPIS, NUM_SLICES
from pamrl.bridge.scenario import Scenario
from pamrl.config import LLM_METHODS, TrainConfig
from pamrl.language_model import LoadedModel, PromptedEncoder, compile_for_decisions, load_language_model
from pamrl.masac import MASAC, SacSettings
from pamrl.prompt import NUM_FEATURES, informal_prompt
from pamrl.srm import StateRepresentation


def build_agent(cfg: TrainConfig, scenario: Scenario, device: torch.device,
                language_model: LoadedModel | None = None) -> MASAC:
    """language_model: use this one instead of loading cfg.llm (tests and benchmarks inject one)."""
    encoder = None
    if cfg.method in LLM_METHODS:
        lm = language_model
        if lm is None:
            lm = load_language_model(cfg.llm, device, cfg.trust_remote_code, cfg.llm_precision)
        encoder = PromptedEncoder(lm, cfg.num_prompt_tokens, max_text_tokens=256, seed=cfg.seed)
    srm = StateRepresentation(NUM_FEATURES, encoder, latent=cfg.latent, hidden=cfg.hidden, prompt_style=cfg.prompt_style)
    if cfg.adapters:
        load_adapters(srm, Path(cfg.adapters), cfg.llm if encoder else None)
    settings = SacSettings(**{f.name: getattr(cfg, f.name) for f in dataclasses.fields(SacSettings)})
    agent = MASAC(srm, scenario.ran.num_dus, NUM_FEATURES, settings, device)
    if encoder is not None and cfg.llm_compile:
        if encoder.lm.decision_model is None:
            compile_for_decisions(encoder.lm)
        # Compile now (on the agent's device), not in the first control period the simulator waits on, with prompts
        # of the real template's length (a batch as long as its sequences would tie the two sizes when compiled).
        prompt = informal_prompt(np.ones((NUM_SLICES, NUM_KPIS)), np.full(NUM_SLICES, 0.5),
                                 np.full(NUM_SLICES, 1 / NUM_SLICES), scenario, cfg.prompt_style)
        agent.hidden_of([prompt] * scenario.ran.num_dus)
    return agent


def load_adapters(srm: StateRepresentation, path: Path, llm: str | None) -> None:
    saved = torch.load(path, map_location="cpu", weights_only=True)
    if llm is not None and saved["llm"] != llm:
        raise ValueError(f"adapters in {path} were trained for --llm {saved['llm']}, not {llm}")
    for name, module in srm.adapters().items():
        if name not in saved["adapters"]:
            raise ValueError(f"adapters in {path} lack {name} (trained without a language model?)")
        module.load_state_dict(saved["adapters"][name])
