"""NR on paired spectrum (`ran.nr_duplex: fdd`, variant `+fdd`): a DL carrier and an UL carrier, each on its own
channel. Two claims: FDD serves the downlink as TDD does (the feedback path works: a saturated eMBB slice fills its
block), and leaving out the signals nobody decodes on an FDD carrier (a gNB's at other gNBs, a UE's at other UEs:
`nr_fdd_same_side_links: skip`, the default) changes no KPI. The one exception is the reported DL SINR, which moves
by floating-point rounding (~1e-12 dB: a receiver sums its interference in another order); every decision taken
from it (MCS, BLER, scheduling) comes out the same, so throughput, delay, loss and PRBs stay bit-identical."""

import numpy as np
import pytest
from pydantic import ValidationError

from pamrl.bridge.protocol import KPI_NAMES
from pamrl.bridge.scenario import RanConfig, Scenario, load_scenario

from conftest import episode_kpis, shortened

SINR = KPI_NAMES.index("L1M.SinrDl")


def with_same_side(scenario: Scenario, links: str) -> Scenario:
    return scenario.model_copy(update={"ran": scenario.ran.model_copy(update={"nr_fdd_same_side_links": links})})


def test_same_side_setting_needs_fdd():
    tdd = load_scenario("small").ran.model_dump()
    with pytest.raises(ValidationError, match="nr_fdd_same_side_links applies to nr_duplex: fdd only"):
        RanConfig.model_validate({**tdd, "nr_fdd_same_side_links": "deliver"})
    assert load_scenario("small+fdd").ran.nr_fdd_same_side_links == "skip"


@pytest.mark.parametrize("name, seed", [("small+fdd", 1), ("small+fdd+vehicular+urllc-surge", 2)])
def test_skipping_same_side_links_keeps_kpis(name, seed, simulator_binary):
    scenario = shortened(load_scenario(name), 8)
    skip = episode_kpis(with_same_side(scenario, "skip"), seed=seed)
    deliver = episode_kpis(with_same_side(scenario, "deliver"), seed=seed)
    thp = KPI_NAMES.index("DRB.UEThpDl")
    assert skip[..., thp].sum() > 0  # traffic got through: the comparison is not of empty tables
    others = [k for k in range(len(KPI_NAMES)) if k != SINR]
    assert np.array_equal(skip[..., others], deliver[..., others])
    np.testing.assert_allclose(skip[..., SINR], deliver[..., SINR], rtol=0, atol=1e-9)


def test_fdd_serves_the_downlink_like_tdd(simulator_binary):
    # With equal shares `small`'s eMBB slice is saturated: it must fill its block on FDD as on TDD (an FDD set-up
    # whose HARQ feedback timing was wrong used ~60 % of it).
    used, avail = KPI_NAMES.index("RRU.PrbUsedDl"), KPI_NAMES.index("RRU.PrbAvailDl")
    for name in ("small", "small+fdd"):
        kpis = episode_kpis(shortened(load_scenario(name), 8), seed=3, shares=(1 / 3, 1 / 3, 1 / 3))
        embb = kpis[2:, :, 0]  # after the first periods' attach
        assert embb[..., used].sum() >= 0.97 * embb[..., avail].sum(), name
