"""The policy's action distribution on the simplex of slice shares: logistic-normal (a Gaussian on 2 free logits,
softmax with a fixed 0 third logit), and its log-density for SAC's entropy term."""

from __future__ import annotations

import math

import torch

from pamrl.bridge.protocol import NUM_SLICES

FREE_LOGITS = NUM_SLICES - 1
LOG_STD_MIN, LOG_STD_MAX = -5.0, 1.0


def simplex_sample(mean: torch.Tensor, log_std: torch.Tensor, deterministic: bool = False,
                   entropy_space: str = "shares"):
    """Logistic-normal sample: shares [.., 3] and the log-density [..] that the entropy term uses.

    entropy_space "shares" (default): the density of the shares on the simplex, i.e. the Gaussian's minus the
    log-Jacobian of z -> shares, sum_k log share_k. That term is largest at the uniform point: the entropy bonus
    pulls the mean towards equal shares by alpha * ~0.4 nats per step between [1/3]*3 and [0.6, 0.2, 0.2], which
    outweighed the reward gap (~0.1 per step on `small`) at alpha ~ 1 and is negligible at alpha ~ 0.02.
    entropy_space "logits": the density of the Gaussian on the free logits z (SAC acting on z). No pull to the
    centre, but near a corner of the simplex a wider Gaussian costs nothing in shares: the policy ran into corners
    with its std at the cap (docs/learning.md).
    """
    std = log_std.exp()
    z = mean if deterministic else mean + std * torch.randn_like(mean)
    logits = torch.cat([z, torch.zeros_like(z[..., :1])], dim=-1)
    shares = logits.softmax(dim=-1)
    log_prob = (-0.5 * ((z - mean) / std) ** 2 - log_std - 0.5 * math.log(2 * math.pi)).sum(-1)
    if entropy_space == "shares":
        # |det d(shares_1..K-1)/dz| = prod_k shares_k for the additive logistic map.
        log_prob = log_prob - shares.clamp_min(1e-12).log().sum(-1)
    return shares, log_prob


def mean_shares(mean: torch.Tensor) -> torch.Tensor:
    """The deterministic shares of a batch of mean logits [..., 2], averaged over everything but the slice."""
    logits = torch.cat([mean, torch.zeros_like(mean[..., :1])], dim=-1).detach()
    return logits.softmax(dim=-1).reshape(-1, NUM_SLICES).mean(0)
