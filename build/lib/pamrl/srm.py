"""State Representation Module (SRM) of PA-MRL.

  numbers  --Fc1-->  y_s   (numeric adapter)
  prompt   --[soft prompt tokens + frozen language model, pooled]-->  h  --Fc2-->  y_sr   (text adapter)
  representation = concat(y_sr, y_s)

With no language model (method `masac`) the representation is y_s alone. Fc1 and Fc2 map into latents of the same
size, so that `pamrl pretrain-adapters` can align the two views of a state contrastively before RL starts.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from pamrl.language_model import PromptedEncoder
from pamrl.networks import mlp


class StateRepresentation(nn.Module):
    def __init__(self, num_features: int, encoder: PromptedEncoder | None, latent: int = 64, hidden: int = 128,
                 prompt_style: str = "compact"):
        super().__init__()
        self.encoder = encoder
        self.prompt_style = prompt_style  # the informal prompt's template (prompt.py)
        self.fc1 = mlp(num_features, hidden, latent)
        self.fc2 = mlp(encoder.hidden_size, hidden, latent) if encoder is not None else None
        self.out_dim = latent * (2 if encoder is not None else 1)

    @property
    def uses_llm(self) -> bool:
        return self.encoder is not None

    def text_hidden(self, texts: list[str]) -> torch.Tensor:
        """Pooled hidden state of the prompts (gradients reach the soft prompt, never the language model)."""
        return self.encoder(texts)

    def forward(self, features: torch.Tensor, hidden: torch.Tensor | None) -> torch.Tensor:
        y_s = self.fc1(features)
        if self.fc2 is None:
            return y_s
        return torch.cat([self.fc2(hidden), y_s], dim=-1)

    def prompt_parameters(self) -> list[nn.Parameter]:
        """The learnable prompt tokens (none without a language model or with 0 tokens)."""
        enc = self.encoder
        return [enc.soft_prompt.embedding] if enc is not None and enc.soft_prompt.num_tokens else []

    def prompt_state(self) -> torch.Tensor:
        return self.encoder.soft_prompt.embedding.detach().clone() if self.uses_llm else torch.zeros(0)

    @torch.no_grad()
    def load_prompt_state(self, tokens: torch.Tensor) -> None:
        if self.uses_llm:
            self.encoder.soft_prompt.embedding.copy_(tokens)

    def adapters(self) -> dict[str, nn.Module]:
        return {"fc1": self.fc1, **({"fc2": self.fc2} if self.fc2 is not None else {})}


def alignment_loss(y_num: torch.Tensor, y_text: torch.Tensor, temperature: float = 0.1) -> torch.Tensor:
    """Symmetric InfoNCE between the numeric and text views of the same states (row i matches row i)."""
    a, b = F.normalize(y_num, dim=-1), F.normalize(y_text, dim=-1)
    logits = a @ b.T / temperature
    target = torch.arange(len(a), device=a.device)
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


def semantic_clustering_loss(z: torch.Tensor, labels: torch.Tensor, temperature: float = 0.1) -> torch.Tensor:
    """Supervised contrastive loss: representations of states with the same semantic label (which slices meet their
    QoS) are pulled together, others pushed apart. Zero when no label occurs twice."""
    z = F.normalize(z, dim=-1)
    sim = z @ z.T / temperature
    eye = torch.eye(len(z), dtype=torch.bool, device=z.device)
    positives = (labels.unsqueeze(0) == labels.unsqueeze(1)) & ~eye
    if not positives.any():
        return z.sum() * 0.0
    log_prob = sim.masked_fill(eye, float("-inf")).log_softmax(dim=1)
    per_anchor = -(log_prob.masked_fill(~positives, 0.0).sum(1)) / positives.sum(1).clamp(min=1)
    return per_anchor[positives.any(1)].mean()
