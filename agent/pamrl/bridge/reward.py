"""The reward: each DU is scored on how well each slice meets its QoS targets. This is the one place the formula
lives; its knobs are the scenario's `qos` targets and `reward` section.

Per DU and slice s, from the KPIs of the last control period:

  throughput score  T_s = min(1, delivered / min(target_s * UEs_s, offered))   (1 when the target is 0 or
                          nothing was offered: a slice is not blamed for demand it did not have)
  delay score       D_s = 1 if p95 delay <= target, else target / p95 delay
  loss score        L_s = 1 if loss <= target, else 1 - (loss - target) / (1 - target)
  QoS level         q_s = T_s * D_s * L_s            (combine: product, default)   or their mean (combine: mean)

  reward(DU) = sum_s w_s q_s / sum_s w_s   in [0, 1]

The QoS level q_s is also what the informal prompt and the metrics report as a slice's "QoS".

A slice *meets its QoS* in a control period when it meets all its targets (T_s = D_s = L_s = 1, i.e. q_s = 1
under either combine rule). The share of control periods in which it does is the paper's headline metric, the
**QoS satisfaction rate** (Table I); pamrl reports it beside the QoS level (column `qos_met` of every step row).
"""

from __future__ import annotations

import numpy as np

from pamrl.bridge.protocol import KPI_INDEX as _K, SLICE_NAMES
from pamrl.bridge.scenario import Scenario



def qos_levels(kpis: np.ndarray, scenario: Scenario) -> np.ndarray:
    """Per-DU, per-slice QoS level in [0, 1], from KPIs shaped [du, slice, kpi]."""
    levels = np.ones(kpis.shape[:2])
    for s, name in enumerate(SLICE_NAMES):
        qos = scenario.slice(name).qos
        k = kpis[:, s, :]
        delivered, offered = k[:, _K["DRB.UEThpDl"]], k[:, _K["DRB.OfferedLoadDl"]]
        wanted = np.minimum(qos.throughput_mbps_per_ue * k[:, _K["UE.Count"]], offered)
        thp = np.where(wanted > 1e-9, np.minimum(1.0, delivered / np.maximum(wanted, 1e-9)), 1.0)
        p95 = k[:, _K["DRB.RlcSduDelayDl.P95"]]
        delay = np.where(p95 <= qos.delay_ms, 1.0, qos.delay_ms / np.maximum(p95, 1e-9))
        loss_ratio = k[:, _K["DRB.PacketLossRateDl"]]
        slack = max(1.0 - qos.loss_ratio, 1e-9)
        loss = np.where(loss_ratio <= qos.loss_ratio, 1.0, np.clip(1.0 - (loss_ratio - qos.loss_ratio) / slack, 0, 1))
        if scenario.reward.combine == "product":
            levels[:, s] = thp * delay * loss
        else:
            levels[:, s] = (thp + delay + loss) / 3.0
    return levels


def targets_met(levels: np.ndarray) -> np.ndarray:
    """True where a slice met all its targets in the period: QoS level [.., slice] exactly 1 (each score is clipped
    at 1, so the product and the mean are 1 only when every score is)."""
    return np.asarray(levels) >= 1.0 - 1e-9


def weighted_rewards(levels: np.ndarray, scenario: Scenario) -> np.ndarray:
    """Per-DU reward in [0, 1] from QoS levels [du, slice]: their weighted mean."""
    w = np.array([scenario.reward.weights.get(n, 0.0) for n in SLICE_NAMES])
    if w.sum() <= 0:
        raise ValueError("reward.weights must give at least one slice a positive weight")
    return levels @ w / w.sum()


def rewards(kpis: np.ndarray, scenario: Scenario) -> np.ndarray:
    """Per-DU reward in [0, 1] from KPIs [du, slice, kpi]."""
    return weighted_rewards(qos_levels(kpis, scenario), scenario)
