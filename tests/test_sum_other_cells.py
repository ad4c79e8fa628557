"""`nr_sum_other_cells` (a `+lean` setting on NR): our channel hands an NR receiver the signals it does not decode,
which reach it in the same instant with the same kind and duration, as one signal with their psds summed. The
receiver only adds those psds to its interference, so the KPIs may move by floating-point rounding alone (the SINR
sums are taken in another order), here checked to 1e-9 over whole short episodes, with and without cross-link
interference, with three cells so that a UE hears more than one other cell."""

import numpy as np
import pytest
from pydantic import ValidationError

from pamrl.bridge.protocol import KPI_NAMES
from pamrl.bridge.scenario import RanConfig, Scenario, load_scenario

from conftest import episode_kpis, shortened


def summed(scenario: Scenario, on: bool) -> Scenario:
    return scenario.model_copy(update={"ran": scenario.ran.model_copy(update={"nr_sum_other_cells": on})})


def test_lean_sums_other_cells_on_nr_only_as_a_setting():
    assert load_scenario("small+lean").ran.nr_sum_other_cells
    assert not load_scenario("small").ran.nr_sum_other_cells


@pytest.mark.parametrize(
    "ran", [{"spectrum_channel": "multi-model", "neighbour_ctrl_frames": True}, {"nr_channel": "3gpp-umi"}]
)
def test_summing_needs_our_channel(ran):
    lean = load_scenario("small+lean").ran.model_dump()
    with pytest.raises(ValidationError, match="nr_sum_other_cells: true needs"):
        RanConfig.model_validate({**lean, **ran})


@pytest.mark.parametrize("name, seed", [("small+lean", 1), ("small", 2)])  # without / with cross-link interference
def test_summing_moves_kpis_by_rounding_only(name, seed, simulator_binary):
    base = load_scenario(name)
    three_cells = shortened(base.model_copy(update={"ran": base.ran.model_copy(update={"num_dus": 3})}), 8)
    apart = episode_kpis(summed(three_cells, False), seed)
    together = episode_kpis(summed(three_cells, True), seed)
    assert apart[..., KPI_NAMES.index("DRB.UEThpDl")].sum() > 0  # traffic got through
    np.testing.assert_allclose(together, apart, rtol=1e-9, atol=1e-9)
    # Not bit-identical: the sums were taken (the reported SINR is the sum's, rounded differently).
    assert not np.array_equal(together, apart)
