"""The informal prompt: one DU's KPIs of the last control period as text, and the same state as numbers.

Template (one line per slice, in slice order; numbers rounded so that near-identical states read alike):

  DU {du}. {SLICE}: {n} users, QoS {qos:.2f}, throughput {thp:.1f} of {offered:.1f} Mbps, delay {p95:.0f} ms
  (target {target:.0f}), loss {loss:.1%}, share {share:.0%}. [... URLLC ..., mMTC ...] Worst: {worst}.

It is kept short (about 110 tokens) because the language model's cost grows with its length; PRB use, active UEs
and SINR are in the numeric view only.

The numeric view (`numeric_features`) feeds the adapter Fc1: per slice, the same KPIs scaled to O(1) (log1p for
rates and delays, fractions for PRBs and UEs, SINR/30), the QoS level, and the share in force.
"""

from __future__ import annotations

import numpy as np

from pamrl.bridge.protocol import KPI_NAMES
from pamrl.bridge.scenario import SLICE_NAMES, Scenario

_K = {name: i for i, name in enumerate(KPI_NAMES)}
_LABEL = {"embb": "eMBB", "urllc": "URLLC", "mmtc": "mMTC"}
FEATURES_PER_SLICE = 11
NUM_FEATURES = FEATURES_PER_SLICE * len(SLICE_NAMES)


def informal_prompt(du: int, kpis: np.ndarray, qos: np.ndarray, shares: np.ndarray, scenario: Scenario) -> str:
    """kpis [slice, kpi], qos [slice], shares [slice] of one DU -> its prompt."""
    parts = [f"DU {du}."]
    for s, name in enumerate(SLICE_NAMES):
        k = kpis[s]
        parts.append(
            f"{_LABEL[name]}: {k[_K['UE.Count']]:.0f} users, QoS {qos[s]:.2f}, throughput {k[_K['DRB.UEThpDl']]:.1f} "
            f"of {k[_K['DRB.OfferedLoadDl']]:.1f} Mbps, delay {k[_K['DRB.RlcSduDelayDl.P95']]:.0f} ms "
            f"(target {scenario.slice(name).qos.delay_ms:.0f}), loss {k[_K['DRB.PacketLossRateDl']]:.1%}, "
            f"share {shares[s]:.0%}."
        )
    parts.append(f"Worst: {_LABEL[SLICE_NAMES[int(np.argmin(qos))]]}.")
    return " ".join(parts)


def numeric_features(kpis: np.ndarray, qos: np.ndarray, shares: np.ndarray, rbs: int) -> np.ndarray:
    """kpis [..., slice, kpi], qos [..., slice], shares [..., slice] -> features [..., NUM_FEATURES] (float32)."""
    k = kpis
    count = k[..., _K["UE.Count"]]
    f = np.stack(
        [
            np.log1p(k[..., _K["DRB.UEThpDl"]]),
            np.log1p(k[..., _K["DRB.OfferedLoadDl"]]),
            np.log1p(k[..., _K["DRB.RlcSduDelayDl"]]) / 5,
            np.log1p(k[..., _K["DRB.RlcSduDelayDl.P95"]]) / 5,
            k[..., _K["DRB.PacketLossRateDl"]],
            k[..., _K["RRU.PrbUsedDl"]] / rbs,
            k[..., _K["RRU.PrbAvailDl"]] / rbs,
            k[..., _K["DRB.MeanActiveUeDl"]] / np.maximum(count, 1),
            k[..., _K["L1M.SinrDl"]] / 30,
            qos,
            shares,
        ],
        axis=-1,
    )
    return f.reshape(*f.shape[:-2], NUM_FEATURES).astype(np.float32)
