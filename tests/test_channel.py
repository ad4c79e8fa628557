"""Our batched spectrum channel (ns3-scenarios/model/batched-spectrum-channel.*) is a speed-up only: with it the
KPIs are bit-identical to those with ns-3's MultiModelSpectrumChannel, at small and at paper scale."""

import numpy as np
import pytest

from pamrl.bridge.protocol import KPI_NAMES
from pamrl.bridge.scenario import Scenario, load_scenario

from conftest import episode_kpis, shortened


def with_channel(scenario: Scenario, channel: str) -> Scenario:
    return scenario.model_copy(update={"ran": scenario.ran.model_copy(update={"spectrum_channel": channel})})


def test_batched_channel_is_the_default():
    assert load_scenario("small").ran.spectrum_channel == "batched"


@pytest.mark.parametrize(
    "name, steps",
    [("small", 5), ("small+vehicular+urllc-surge+lean", 5), ("paper+lean", 1)],
)
def test_batched_channel_gives_bit_identical_kpis(name, steps, simulator_binary):
    scenario = shortened(load_scenario(name), steps)
    batched = episode_kpis(with_channel(scenario, "batched"), seed=4)
    stock = episode_kpis(with_channel(scenario, "multi-model"), seed=4)
    thp = KPI_NAMES.index("DRB.UEThpDl")
    assert batched[:, :, :, thp].sum() > 0  # traffic got through: the comparison is not of empty tables
    assert np.array_equal(batched, stock)
