"""Multi-agent SAC with centralised training and decentralised execution, as PA-MRL uses it.

This file is the objective and its update; the action distribution is simplex.py, the networks networks.py, the
replay buffer replay.py, the state representation srm.py.

- Actors (one per DU, or one shared actor with a one-hot DU id: `actor_sharing`) see only their DU's representation
  from the SRM and output slice shares on the simplex (logistic-normal: a Gaussian on 2 free logits, softmax with a
  fixed 0 third logit; its log-density includes the Jacobian of that map).
- A centralised twin-Q critic (the near-RT RIC) sees the global state (every DU's numeric features) and the joint
  action, and outputs one Q value per DU (each DU has its own reward). Target critics by Polyak averaging.
- Entropy temperature alpha is learned towards a target entropy, measured on the simplex by default
  (`entropy_space`; why: see simplex_sample), starting from `init_alpha`. Rewards are multiplied by `reward_scale` in the critic's
  targets only (metrics keep the [0, 1] reward).
- Replay keeps raw KPIs, QoS and shares (enough to rebuild the prompts and features), and the language model's
  pooled hidden state computed when the step was taken. Critic targets reuse that stored state; the actor update
  recomputes it for `prompt_batch` sampled transitions with the current prompt tokens, so RL gradients (plus the
  semantic-clustering loss) reach the prompt tokens, and writes the fresh states back; it does so on every
  `prompt_every`-th update (the others train actor and adapters on the stored states), which is what makes a
  PA-MRL update affordable on a CPU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from pamrl.bridge.protocol import SLICE_NAMES
from pamrl.networks import Actor, TwinCritic
from pamrl.replay import ReplayBuffer
from pamrl.simplex import mean_shares, simplex_sample
from pamrl.srm import StateRepresentation, semantic_clustering_loss


@dataclass(frozen=True)
class SacSettings:
    """The algorithm's settings; values and their reasons live in pamrl.config.TrainConfig (same names)."""

    gamma: float
    tau: float
    lr_actor: float
    lr_critic: float
    lr_prompt: float
    lr_alpha: float
    batch_size: int
    prompt_batch: int
    prompt_every: int
    cluster_weight: float
    hidden: int
    actor_sharing: str
    entropy_space: str
    init_alpha: float
    target_entropy: float
    reward_scale: float


class MASAC(nn.Module):
    def __init__(self, srm: StateRepresentation, num_dus: int, num_features: int, s: SacSettings, device: torch.device):
        super().__init__()
        self.s, self.num_dus, self.device = s, num_dus, device
        self.srm = srm
        self.actor = Actor(srm.out_dim, num_dus, s.actor_sharing == "shared", s.hidden)
        self.critic = TwinCritic(num_dus * num_features, num_dus, s.hidden)
        self.critic_target = TwinCritic(num_dus * num_features, num_dus, s.hidden)
        self.critic_target.load_state_dict(self.critic.state_dict())
        self.log_alpha = nn.Parameter(torch.tensor(math.log(s.init_alpha)))
        self.num_updates = 0  # updates done; the prompt tokens learn on every `prompt_every`-th
        self.prompt_steps = 0  # updates that changed the prompt tokens (the LLM states of acting are stale after one)
        self.target_entropy = s.target_entropy
        self.to(device)
        adapters = [p for m in srm.adapters().values() for p in m.parameters()]
        self.actor_opt = torch.optim.Adam(list(self.actor.parameters()) + adapters, lr=s.lr_actor)
        self.critic_opt = torch.optim.Adam(self.critic.parameters(), lr=s.lr_critic)
        self.alpha_opt = torch.optim.Adam([self.log_alpha], lr=s.lr_alpha)
        prompt = self.prompt_parameters()
        self.prompt_opt = torch.optim.Adam(prompt, lr=s.lr_prompt) if prompt else None

    def prompt_parameters(self) -> list[nn.Parameter]:
        return self.srm.prompt_parameters()

    # acting ---------------------------------------------------------------------------------------------------

    @torch.no_grad()
    def hidden_of(self, texts: list[str]) -> np.ndarray:
        if not self.srm.uses_llm:
            return np.zeros((len(texts), 1), np.float32)
        return self.srm.text_hidden(texts).cpu().numpy()

    @torch.no_grad()
    def act(self, features: np.ndarray, hidden: np.ndarray, deterministic: bool = False) -> np.ndarray:
        """features [num_dus, F], hidden [num_dus, H] -> shares [num_dus, 3]."""
        rep = self._rep(torch.as_tensor(features[None], device=self.device), torch.as_tensor(hidden[None], device=self.device))
        mean, log_std = self.actor(rep)
        shares, _ = simplex_sample(mean, log_std, deterministic, self.s.entropy_space)
        return shares[0].cpu().numpy()

    def _rep(self, features: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
        b, n = features.shape[:2]
        rep = self.srm(features.reshape(b * n, -1), hidden.reshape(b * n, -1) if self.srm.uses_llm else None)
        return rep.reshape(b, n, -1)

    # learning ---------------------------------------------------------------------------------------------------

    def update(self, buffer: ReplayBuffer, rng: np.random.Generator) -> dict[str, float]:
        with buffer.lock:
            idx = buffer.sample(self.s.batch_size, rng)
            t = {k: torch.as_tensor(buffer.data[k][idx], device=self.device) for k in ReplayBuffer.FIELDS}
            t["hidden"], t["next_hidden"] = t["hidden"].float(), t["next_hidden"].float()
            texts = [text for i in idx[: self.s.prompt_batch] for text in buffer.texts[i]]
        b = len(idx)
        state, next_state = t["features"].flatten(1), t["next_features"].flatten(1)
        alpha = self.log_alpha.exp().detach()

        # critic: y_i = r_i + gamma * (min Q'_i(s', a') - alpha log pi_i(a'_i | o'_i)); slicing never terminates.
        with torch.no_grad():
            mean, log_std = self.actor(self._rep(t["next_features"], t["next_hidden"]))
            next_actions, next_logp = simplex_sample(mean, log_std, entropy_space=self.s.entropy_space)
            q1_t, q2_t = self.critic_target(next_state, next_actions)
            target = self.s.reward_scale * t["rewards"] + self.s.gamma * (torch.min(q1_t, q2_t) - alpha * next_logp)
        q1, q2 = self.critic(state, t["actions"])
        critic_loss = F.mse_loss(q1, target) + F.mse_loss(q2, target)
        self.critic_opt.zero_grad()
        critic_loss.backward()
        self.critic_opt.step()

        # actor (+ adapters, + prompt tokens through a freshly recomputed sub-batch): alpha log pi - min Q
        hidden = t["hidden"]
        cluster_loss = torch.zeros((), device=self.device)
        prompt = self.prompt_parameters() if self.num_updates % self.s.prompt_every == 0 else []
        self.num_updates += 1
        if prompt:
            m = min(self.s.prompt_batch, b)
            live = self.srm.text_hidden(texts).reshape(m, self.num_dus, -1)
            with buffer.lock:
                buffer.refresh_hidden(idx[:m], live.detach().cpu().numpy())  # refresh the stored states
            hidden = torch.cat([live, hidden[m:]], dim=0)
            if self.s.cluster_weight > 0:
                z = self.srm.fc2(live.reshape(m * self.num_dus, -1))
                cluster_loss = semantic_clustering_loss(z, t["labels"][:m].reshape(-1))
        mean, log_std = self.actor(self._rep(t["features"], hidden))
        actions, logp = simplex_sample(mean, log_std, entropy_space=self.s.entropy_space)
        q1_pi, q2_pi = self.critic(state, actions)
        actor_loss = (alpha * logp - torch.min(q1_pi, q2_pi)).mean()
        self.actor_opt.zero_grad()
        if prompt:
            self.prompt_opt.zero_grad()
        (actor_loss + self.s.cluster_weight * cluster_loss).backward()
        self.actor_opt.step()
        if prompt:
            self.prompt_opt.step()
            self.prompt_steps += 1
        self.critic.zero_grad(set_to_none=True)  # the actor loss must not leave gradients in the critic

        alpha_loss = -(self.log_alpha * (logp.detach() + self.target_entropy)).mean()
        self.alpha_opt.zero_grad()
        alpha_loss.backward()
        self.alpha_opt.step()

        with torch.no_grad():
            for p, p_t in zip(self.critic.parameters(), self.critic_target.parameters()):
                p_t.mul_(1 - self.s.tau).add_(self.s.tau * p)
        return {
            "losses/critic": critic_loss.item(),
            "losses/actor": actor_loss.item(),
            "losses/alpha": alpha_loss.item(),
            "losses/semantic_clustering": cluster_loss.item(),
            "charts/alpha": alpha.item(),
            "charts/entropy": -logp.mean().item(),
            "charts/q": torch.min(q1, q2).mean().item(),
            "charts/q_target": target.mean().item(),
            "charts/log_std": log_std.mean().item(),
            # where the policy's mean sits on the simplex (softmax of the mean logits), averaged over the batch:
            # a policy that learns moves these away from 1/3
            **{f"charts/mean_share_{k}": v for k, v in zip(SLICE_NAMES, mean_shares(mean).tolist())},
        }

    # checkpoints ------------------------------------------------------------------------------------------------

    def trainable_state(self) -> dict:
        """Everything that learns (the language model is not included: it never changes)."""
        state = {
            "actor": self.actor.state_dict(),
            "critic": self.critic.state_dict(),
            "critic_target": self.critic_target.state_dict(),
            "log_alpha": self.log_alpha.detach().clone(),
            "adapters": {k: m.state_dict() for k, m in self.srm.adapters().items()},
            "prompt": self.srm.prompt_state(),
            "actor_opt": self.actor_opt.state_dict(),
            "critic_opt": self.critic_opt.state_dict(),
            "alpha_opt": self.alpha_opt.state_dict(),
            "num_updates": torch.tensor(self.num_updates),
        }
        if self.prompt_opt is not None:
            state["prompt_opt"] = self.prompt_opt.state_dict()
        return state

    def load_trainable_state(self, state: dict) -> None:
        self.actor.load_state_dict(state["actor"])
        self.critic.load_state_dict(state["critic"])
        self.critic_target.load_state_dict(state["critic_target"])
        with torch.no_grad():
            self.log_alpha.copy_(state["log_alpha"])
            self.srm.load_prompt_state(state["prompt"])
        for k, m in self.srm.adapters().items():
            m.load_state_dict(state["adapters"][k])
        self.actor_opt.load_state_dict(state["actor_opt"])
        self.critic_opt.load_state_dict(state["critic_opt"])
        self.alpha_opt.load_state_dict(state["alpha_opt"])
        self.num_updates = int(state.get("num_updates", torch.tensor(0)))
        if self.prompt_opt is not None:
            self.prompt_opt.load_state_dict(state["prompt_opt"])
