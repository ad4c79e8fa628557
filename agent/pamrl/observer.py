"""What a learning agent reads of a control period: numeric features, informal prompts, the language model's
pooled states of those prompts, and the semantic labels of the clustering loss."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from pamrl.bridge.protocol import NUM_SLICES
from pamrl.bridge.scenario import Scenario
from pamrl.learner import ActingCopy
from pamrl.prompt import informal_prompt, numeric_features
from pamrl.rollout import View

LABEL_QOS_LEVEL = 0.9  # the clustering loss's semantic labels: which slices reach this QoS level (not `qos_met`,
# which in the Parquet rows means all targets met, level 1)


class Observation(NamedTuple):
    features: np.ndarray  # [du, NUM_FEATURES]
    texts: list[str]  # one informal prompt per DU (empty without a language model)
    hidden: np.ndarray  # [du, H]: the language model's pooled state of each prompt ([du, 1] zeros without one)
    labels: np.ndarray  # [du]: which slices meet QoS_MET, as a bit mask


class Observer:
    """Turns Views into Observations for one agent (a MASAC or its acting copy; None: features only)."""

    def __init__(self, scenario: Scenario, agent=None):
        self.scenario, self.agent = scenario, agent
        self._cache: tuple[list[str], np.ndarray] | None = None
        policy = agent.policy if isinstance(agent, ActingCopy) else agent
        self.uses_llm = policy is not None and policy.srm.uses_llm
        self.learns_prompt = policy is not None and bool(policy.srm.prompt_parameters())
        self.style = policy.srm.prompt_style if policy is not None else None

    def look(self, view: View) -> Observation:
        features = numeric_features(view.kpis, view.qos, view.shares, self.scenario.ran.bandwidth_rbs)
        labels = ((view.qos >= LABEL_QOS_LEVEL) * (1 << np.arange(NUM_SLICES))).sum(axis=1)
        texts, hidden = [], np.zeros((len(features), 1), np.float32)
        if self.agent is not None and self.uses_llm:
            texts = [informal_prompt(view.kpis[du], view.qos[du], view.shares[du], self.scenario, self.style)
                     for du in range(len(features))]
            frozen = not self.learns_prompt
            if frozen and self._cache is not None and self._cache[0] == texts:
                hidden = self._cache[1]  # frozen prompt: the state depends on the text alone
            else:
                hidden = self.agent.hidden_of(texts)
                self._cache = (texts, hidden)
        return Observation(features, texts, hidden, labels)
