"""MASAC's networks: one actor head per DU (or one shared head with a one-hot DU id) and the centralised twin-Q
critic (the near-RT RIC), which sees every DU's numbers and the joint action and gives one Q value per DU."""

from __future__ import annotations

import torch
from torch import nn

from pamrl.bridge.protocol import NUM_SLICES
from pamrl.simplex import FREE_LOGITS, LOG_STD_MAX, LOG_STD_MIN


def mlp(inp: int, hidden: int, out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(inp, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, out))


class Actor(nn.Module):
    def __init__(self, rep_dim: int, num_dus: int, shared: bool, hidden: int):
        super().__init__()
        self.num_dus, self.shared = num_dus, shared
        extra = num_dus if shared else 0
        count = 1 if shared else num_dus
        self.heads = nn.ModuleList([mlp(rep_dim + extra, hidden, 2 * FREE_LOGITS) for _ in range(count)])

    def forward(self, rep: torch.Tensor):
        """rep [B, num_dus, rep_dim] -> mean, log_std [B, num_dus, FREE_LOGITS]."""
        if self.shared:
            ids = torch.eye(self.num_dus, device=rep.device).expand(rep.shape[0], -1, -1)
            out = self.heads[0](torch.cat([rep, ids], dim=-1))
        else:
            out = torch.stack([head(rep[:, i]) for i, head in enumerate(self.heads)], dim=1)
        mean, log_std = out.chunk(2, dim=-1)
        return 4.0 * torch.tanh(mean / 4.0), log_std.clamp(LOG_STD_MIN, LOG_STD_MAX)


class TwinCritic(nn.Module):
    def __init__(self, state_dim: int, num_dus: int, hidden: int):
        super().__init__()
        inp = state_dim + num_dus * NUM_SLICES
        self.q1, self.q2 = mlp(inp, hidden, num_dus), mlp(inp, hidden, num_dus)

    def forward(self, state: torch.Tensor, actions: torch.Tensor):
        x = torch.cat([state, actions.flatten(1)], dim=-1)
        return self.q1(x), self.q2(x)
