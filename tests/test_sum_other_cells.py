"""`nr_sum_other_cells` and `lte_sum_other_cells` (`+lean` settings): our channel hands a receiver the signals it
does not decode, which reach it in the same instant with the same kind and duration, as one signal with their psds
summed. The receiver only adds those psds to its interference, so the KPIs may move by floating-point rounding alone
(the SINR sums are taken in another order), here checked to 1e-9 over whole short episodes with three cells, so
that a UE hears more than one other cell: on NR with and without cross-link interference, on LTE with and without
other cells' control frames in every subframe."""

import numpy as np
import pytest
from pydantic import ValidationError

from pamrl.bridge.protocol import KPI_NAMES
from pamrl.bridge.scenario import RanConfig, Scenario, load_scenario

from conftest import episode_kpis, shortened, with_backend


def summed(scenario: Scenario, on: bool) -> Scenario:
    key = f"{scenario.ran.backend}_sum_other_cells"
    return scenario.model_copy(update={"ran": scenario.ran.model_copy(update={key: on})})


def test_lean_sums_other_cells_as_a_setting():
    for key in ("nr_sum_other_cells", "lte_sum_other_cells"):
        assert getattr(load_scenario("small+lean").ran, key)
        assert not getattr(load_scenario("small").ran, key)


@pytest.mark.parametrize(
    "ran", [{"spectrum_channel": "multi-model", "neighbour_ctrl_frames": True}, {"nr_channel": "3gpp-umi"}]
)
def test_summing_needs_our_channel(ran):
    lean = load_scenario("small+lean").ran.model_dump()
    with pytest.raises(ValidationError, match="nr_sum_other_cells: true needs"):
        RanConfig.model_validate({**lean, **ran})
    with pytest.raises(ValidationError, match="lte_sum_other_cells: true needs spectrum_channel 'batched'"):
        RanConfig.model_validate({**lean, "backend": "lte", "spectrum_channel": "multi-model",
                                  "neighbour_ctrl_frames": True})


@pytest.mark.parametrize("name, backend, seed", [
    ("small+lean", "nr", 1), ("small", "nr", 2),    # NR without / with cross-link interference
    ("small+lean", "lte", 1), ("small", "lte", 2),  # LTE: other cells' control frames only with PSS / in every TTI
])
def test_summing_moves_kpis_by_rounding_only(name, backend, seed, simulator_binary):
    base = with_backend(load_scenario(name), backend)
    three_cells = shortened(base.model_copy(update={"ran": base.ran.model_copy(update={"num_dus": 3})}), 8)
    apart = episode_kpis(summed(three_cells, False), seed)
    together = episode_kpis(summed(three_cells, True), seed)
    assert apart[..., KPI_NAMES.index("DRB.UEThpDl")].sum() > 0  # traffic got through
    np.testing.assert_allclose(together, apart, rtol=1e-9, atol=1e-9)
    # Not bit-identical: the sums were taken (the reported SINR is the sum's, rounded differently).
    assert not np.array_equal(together, apart)
