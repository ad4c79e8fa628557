"""Our batched spectrum channel (ns3-scenarios/model/batched-spectrum-channel.*) is a speed-up only: with it the
KPIs are bit-identical to those with ns-3's MultiModelSpectrumChannel, on both RAN backends, at small and at paper
scale. On LTE that holds with `+lean`'s `neighbour_ctrl_frames: false` too (the stock channel delivers every
control frame): where the scenario allows the setting, nothing that makes a KPI reads the frames it leaves out."""

import numpy as np
import pytest

from pamrl.bridge.protocol import KPI_NAMES
from pamrl.bridge.scenario import RanConfig, Scenario, load_scenario
from pydantic import ValidationError

from conftest import episode_kpis, shortened, with_backend


def with_channel(scenario: Scenario, channel: str) -> Scenario:
    # Summing what a receiver does not decode, leaving out data signals a UE does not read and reusing path losses
    # (`+lean` shortcuts of our channel) move the KPIs: they have their own tests (test_sum_other_cells.py,
    # test_lean.py); here the channel's delivery alone is compared.
    ran = {"spectrum_channel": channel, "lte_sum_other_cells": False, "nr_sum_other_cells": False,
           "lte_skip_unread_dl_data": False, "nr_skip_unread_dl_data": False, "path_loss_refresh_ms": 0.0,
           "nr_neighbour_ctrl_frames": True, "nr_skip_unread_ctrl_psd": False,
           "lte_ue_skips_unread_ctrl_interference": False, "nr_ue_skips_unchanged_mib": False}
    if channel == "multi-model":
        ran["neighbour_ctrl_frames"] = True  # ns-3's channel delivers every frame
    return scenario.model_copy(update={"ran": scenario.ran.model_copy(update=ran)})


def test_batched_channel_is_the_default():
    assert load_scenario("small").ran.spectrum_channel == "batched"
    assert load_scenario("small").ran.neighbour_ctrl_frames
    assert not load_scenario("small+lean").ran.neighbour_ctrl_frames


@pytest.mark.parametrize(
    "ran, wrong",
    [({"ctrl_error_model": True}, "ctrl_error_model"), ({"cqi_from_pdsch": False}, "cqi_from_pdsch"),
     ({"spectrum_channel": "multi-model"}, "spectrum_channel")],
)
def test_leaving_out_neighbour_ctrl_frames_needs_them_unread(ran, wrong):
    lean = load_scenario("small+lean").ran.model_dump()
    with pytest.raises(ValidationError, match=f"neighbour_ctrl_frames: false needs {wrong} must be"):
        RanConfig.model_validate({**lean, **ran})


@pytest.mark.parametrize(
    "name, backend, steps",
    [("small", "nr", 5), ("small", "lte", 5), ("small+vehicular+urllc-surge+lean", "lte", 5), ("paper+lean", "lte", 1),
     ("paper", "nr", 1)],
)
def test_batched_channel_gives_bit_identical_kpis(name, backend, steps, simulator_binary):
    # A short warm-up at paper scale (traffic flows from 100 ms): NR there runs at ~1/100 of real time.
    warmup = {"warmup_ms": 200} if name.startswith("paper") else {}
    scenario = with_backend(shortened(load_scenario(name), steps, **warmup), backend)
    batched = episode_kpis(with_channel(scenario, "batched"), seed=4)
    stock = episode_kpis(with_channel(scenario, "multi-model"), seed=4)
    thp = KPI_NAMES.index("DRB.UEThpDl")
    assert batched[:, :, :, thp].sum() > 0  # traffic got through: the comparison is not of empty tables
    assert np.array_equal(batched, stock)


@pytest.mark.parametrize("name, seed, ran", [("small+lean", 1, {}),
                                             ("small+lean+vehicular+urllc-surge", 2, {"nr_ue_skips_unchanged_mib": False}),
                                             ("small+lean+fdd", 3, {})])
def test_receivers_visited_by_index_give_bit_identical_kpis(name, seed, ran, monkeypatch, simulator_binary):
    # With same-side links skipped (`+lean` on NR TDD; FDD always), a transmission visits only the receivers on the
    # other side, and a DL data signal only the UEs of its RNTI and those reading data in the slot: every receiver
    # left out must be one the channel's own tests would have dropped. A receiver missed by a stale index (an RNTI,
    # cell or side learnt at attach; UEs that re-register at each MIB in the second case; FDD's two carriers, each
    # a receiver group of its own, in the third) would change the KPIs.
    base = with_backend(load_scenario(name), "nr")
    scenario = shortened(base.model_copy(update={"ran": base.ran.model_copy(update={"num_dus": 3, **ran})}), 8)
    skips_same_side = (scenario.ran.nr_fdd_same_side_links if scenario.ran.nr_duplex == "fdd"
                       else scenario.ran.nr_tdd_cross_link) == "skip"
    assert skips_same_side and scenario.ran.nr_skip_unread_dl_data
    indexed = episode_kpis(scenario, seed)
    monkeypatch.setenv("NS_ATTRIBUTE_DEFAULT", "ns3::BatchedSpectrumChannel::IndexReceivers=false")
    every = episode_kpis(scenario, seed)
    assert every[..., KPI_NAMES.index("DRB.UEThpDl")].sum() > 0  # traffic got through
    np.testing.assert_array_equal(indexed, every)
