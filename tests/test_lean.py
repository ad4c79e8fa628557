"""The lean configuration (variants/lean.yaml) is the same experiment: per-slice KPIs agree with the full
configuration within the tolerances below, averaged over several seeds. Its settings are LTE's (nr keeps its own
defaults for them), so this runs on the lte backend."""

import numpy as np
import pytest

from pamrl.bridge.protocol import KPI_NAMES, SLICE_NAMES
from pamrl.bridge.scenario import load_scenario

from conftest import episode_kpis, with_backend

# relative tolerance per KPI (loss: absolute)
TOLERANCE = {"DRB.UEThpDl": 0.05, "DRB.RlcSduDelayDl": 0.15, "DRB.RlcSduDelayDl.P95": 0.20, "RRU.PrbUsedDl": 0.05}
LOSS_ABS = 0.02
SEEDS = (1, 2, 3)


def mean_kpis(name):
    scenario = with_backend(load_scenario(name), "lte")
    runs = [np.mean(episode_kpis(scenario, seed), axis=(0, 1)) for seed in SEEDS]  # -> [slice, kpi]
    return np.mean(runs, axis=0)


def test_lean_matches_full_within_tolerance(simulator_binary):
    full, lean = mean_kpis("small"), mean_kpis("small+lean")
    for s, slice_name in enumerate(SLICE_NAMES):
        for kpi, tol in TOLERANCE.items():
            k = KPI_NAMES.index(kpi)
            assert lean[s, k] == pytest.approx(full[s, k], rel=tol, abs=0.5 if "Delay" in kpi else 0.01), (slice_name, kpi)
        loss = KPI_NAMES.index("DRB.PacketLossRateDl")
        assert abs(lean[s, loss] - full[s, loss]) <= LOSS_ABS, slice_name
