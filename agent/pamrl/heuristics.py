"""Fixed-rule slicing policies: the baselines every learned method is compared with."""

from __future__ import annotations

import numpy as np

from pamrl.bridge.protocol import KPI_INDEX, NUM_SLICES

_OFFERED = KPI_INDEX["DRB.OfferedLoadDl"]
# The smallest share `proportional` gives a slice, so that a slice that was idle last period can still be served.
PROPORTIONAL_FLOOR = 0.05


def equal_shares(kpis: np.ndarray) -> np.ndarray:
    """Every slice of every DU gets 1/3."""
    return np.full((kpis.shape[0], NUM_SLICES), 1.0 / NUM_SLICES)


def proportional_shares(kpis: np.ndarray) -> np.ndarray:
    """Shares in proportion to each slice's offered load in the last period, with a floor of PROPORTIONAL_FLOOR."""
    demand = kpis[:, :, _OFFERED]
    total = demand.sum(axis=1, keepdims=True)
    raw = np.where(total > 0, demand / np.maximum(total, 1e-12), 1.0 / NUM_SLICES)
    shares = PROPORTIONAL_FLOOR + (1 - NUM_SLICES * PROPORTIONAL_FLOOR) * raw
    return shares / shares.sum(axis=1, keepdims=True)


HEURISTICS = {"equal": equal_shares, "proportional": proportional_shares}
