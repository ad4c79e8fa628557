"""The informal prompt: one DU's KPIs of the last control period as text, and the same state as numbers.

Templates (one clause per slice, in slice order; rates to 2 significant digits, so near-identical states read
alike), chosen by the `prompt_style` setting:

  compact (default):  eMBB QoS {qos:.0%}, share {share:.0%}, served {thp/offered:.0%}, delay {p95/target:.0%}.
                      URLLC ... mMTC ... Worst {worst}.                                       (about 60 MiniLM tokens)
  full:               eMBB QoS {qos:.0%}, {thp:.2g} of {offered:.2g} Mbps, delay {p95:.0f} ms, target {target:.0f},
                      loss {loss:.0%}, share {share:.0%}. URLLC ... mMTC ... Worst {worst}.  (about 100 tokens)

Short because the language model's cost grows with the prompt's length and it runs for every DU at every decision
and, with gradients, in every prompt-token update: `compact` states throughput and delay relative to demand and
target (one number each: "2.5 of 3.5 Mbps" is 7 word pieces, "served 71%" 3) and leaves out the loss ratio (it is
inside the QoS level, and in the numeric view). The DU, its user counts, PRB use, active UEs and
SINR are in the numeric view only.

The numeric view (`numeric_features`) feeds the adapter Fc1: per slice, the same KPIs scaled to O(1) (log1p for
rates and delays, fractions for PRBs and UEs, SINR/30), the QoS level, and the share in force.
"""

from __future__ import annotations

import numpy as np

from pamrl.bridge.protocol import KPI_INDEX as _K, SLICE_NAMES
from pamrl.bridge.scenario import Scenario

_LABEL = {"embb": "eMBB", "urllc": "URLLC", "mmtc": "mMTC"}  # how the prompt writes each slice of the schema
assert set(_LABEL) == set(SLICE_NAMES), "every slice of the schema needs its label in the prompt"
FEATURES_PER_SLICE = 11
NUM_FEATURES = FEATURES_PER_SLICE * len(SLICE_NAMES)


PROMPT_STYLES = ("compact", "full")


def informal_prompt(kpis: np.ndarray, qos: np.ndarray, shares: np.ndarray, scenario: Scenario,
                    style: str = "compact") -> str:
    """kpis [slice, kpi], qos [slice], shares [slice] of one DU -> its prompt (`style`: see the module doc)."""
    parts = []
    for s, name in enumerate(SLICE_NAMES):
        k = kpis[s]
        if style == "compact":
            offered = k[_K["DRB.OfferedLoadDl"]]
            served = k[_K["DRB.UEThpDl"]] / offered if offered > 0 else 1.0
            delay = k[_K["DRB.RlcSduDelayDl.P95"]] / scenario.slice(name).qos.delay_ms
            parts.append(f"{_LABEL[name]} QoS {qos[s]:.0%}, share {shares[s]:.0%}, served {min(served, 9.99):.0%}, "
                         f"delay {min(delay, 9.99):.0%}.")
            continue
        parts.append(
            f"{_LABEL[name]} QoS {qos[s]:.0%}, {k[_K['DRB.UEThpDl']]:.2g} of {k[_K['DRB.OfferedLoadDl']]:.2g} Mbps, "
            f"delay {k[_K['DRB.RlcSduDelayDl.P95']]:.0f} ms, target {scenario.slice(name).qos.delay_ms:.0f}, "
            f"loss {k[_K['DRB.PacketLossRateDl']]:.0%}, share {shares[s]:.0%}."
        )
    parts.append(f"Worst {_LABEL[SLICE_NAMES[int(np.argmin(qos))]]}.")
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
