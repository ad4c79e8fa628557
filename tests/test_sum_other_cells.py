"""`nr_sum_other_cells` and `lte_sum_other_cells` (`+lean` settings): our channel hands a receiver the signals it
does not decode, which reach it in the same instant with the same kind and duration, as one signal with their psds
summed. The receiver only adds those psds to its interference, so the KPIs may move by floating-point rounding alone
(the SINR sums are taken in another order), here checked to 1e-9 over whole short episodes with three cells, so
that a UE hears more than one other cell: on NR with and without cross-link interference, on LTE with and without
other cells' control frames in every subframe. `nr_pss_period_ms` (also `+lean`) lets NR's control frames without a
PSS join those sums: checked the same way."""

import numpy as np
import pytest
from pydantic import ValidationError

from pamrl.bridge.protocol import KPI_NAMES
from pamrl.bridge.scenario import RanConfig, Scenario, load_scenario

from conftest import episode_kpis, shortened, with_backend


def on_three_cells(name: str, backend: str, **ran) -> Scenario:
    """`name` on `backend` with three cells (so that a UE hears more than one other cell), 8 periods, `ran` set."""
    base = with_backend(load_scenario(name), backend)
    return shortened(base.model_copy(update={"ran": base.ran.model_copy(update={"num_dus": 3, **ran})}), 8)


def with_setting(scenario: Scenario, key: str, value) -> Scenario:
    return scenario.model_copy(update={"ran": scenario.ran.model_copy(update={key: value})})


def assert_bit_for_bit(scenario: Scenario, key: str, seed: int) -> None:
    """The ran setting `key` off and on give the same KPIs to the last bit, and traffic got through."""
    off = episode_kpis(with_setting(scenario, key, False), seed)
    on = episode_kpis(with_setting(scenario, key, True), seed)
    assert off[..., KPI_NAMES.index("DRB.UEThpDl")].sum() > 0
    np.testing.assert_array_equal(on, off)


def summed(scenario: Scenario, on: bool) -> Scenario:
    return with_setting(scenario, f"{scenario.ran.backend}_sum_other_cells", on)


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
    three_cells = on_three_cells(name, backend)
    apart = episode_kpis(summed(three_cells, False), seed)
    together = episode_kpis(summed(three_cells, True), seed)
    assert apart[..., KPI_NAMES.index("DRB.UEThpDl")].sum() > 0  # traffic got through
    np.testing.assert_allclose(together, apart, rtol=1e-9, atol=1e-9)
    # Not bit-identical: the sums were taken (the reported SINR is the sum's, rounded differently).
    assert not np.array_equal(together, apart)


def test_nr_pss_period_is_a_lean_setting_of_our_channel():
    assert load_scenario("small+lean").ran.nr_pss_period_ms == 20
    assert load_scenario("small").ran.nr_pss_period_ms == 0  # every slot, as nr sends them, unless asked
    lean = load_scenario("small+lean").ran.model_dump()
    others_off = {"nr_sum_other_cells": False, "path_loss_refresh_ms": 0}
    with pytest.raises(ValidationError, match="nr_pss_period_ms > 0 needs nr_channel must be 'ours'"):
        RanConfig.model_validate({**lean, **others_off, "nr_channel": "3gpp-umi"})
    with pytest.raises(ValidationError, match="nr_pss_period_ms"):
        RanConfig.model_validate({**lean, "nr_pss_period_ms": 15})  # not a 3GPP SS burst period
    RanConfig.model_validate({**lean, "backend": "lte"})  # LTE ignores it


def test_nr_pss_period_moves_kpis_by_rounding_only(simulator_binary):
    # With a PSS every 20 ms instead of every slot, a UE takes fewer RSRP samples (read only by its measurement
    # reports: no handover here) and gets other cells' control frames summed in the slots between: the same
    # interference, summed in another order. (Control frames added to the data interference too: without them
    # there, the sums' order reaches nothing a KPI reads, and the two runs would be identical.)
    three_cells = on_three_cells("small+lean", "nr", nr_ue_data_interference_omits_dl_ctrl=False,
                                 nr_neighbour_ctrl_frames=True, nr_skip_unread_ctrl_psd=False)
    every_slot = episode_kpis(with_setting(three_cells, "nr_pss_period_ms", 0), 1)
    every_20ms = episode_kpis(with_setting(three_cells, "nr_pss_period_ms", 20), 1)
    assert every_slot[..., KPI_NAMES.index("DRB.UEThpDl")].sum() > 0  # traffic got through
    np.testing.assert_allclose(every_20ms, every_slot, rtol=1e-9, atol=1e-9)
    assert not np.array_equal(every_20ms, every_slot)  # the control frames were summed



def test_skipping_unread_dl_data_is_a_lean_setting_of_our_channel():
    for key in ("nr_skip_unread_dl_data", "lte_skip_unread_dl_data"):
        assert getattr(load_scenario("small+lean").ran, key)
        assert not getattr(load_scenario("small").ran, key)  # every UE gets every signal unless asked
    lean = load_scenario("small+lean").ran.model_dump()
    with pytest.raises(ValidationError, match="nr_skip_unread_dl_data: true needs nr_channel must be 'ours'"):
        RanConfig.model_validate({**lean, "nr_sum_other_cells": False, "path_loss_refresh_ms": 0,
                                  "nr_pss_period_ms": 0, "nr_channel": "3gpp-umi"})
    with pytest.raises(ValidationError, match="lte_skip_unread_dl_data: true needs spectrum_channel 'batched'"):
        RanConfig.model_validate({**lean, "backend": "lte", "spectrum_channel": "multi-model",
                                  "neighbour_ctrl_frames": True, "lte_sum_other_cells": False,
                                  "path_loss_refresh_ms": 0})


@pytest.mark.parametrize("name, backend, seed", [
    ("small+lean", "nr", 1), ("small+lean+fdd+vehicular+urllc-surge", "nr", 2),
    ("small+lean", "lte", 1), ("small+lean+vehicular+urllc-surge", "lte", 2),
])
def test_skipping_unread_dl_data_moves_kpis_by_rounding_only(name, backend, seed, simulator_binary):
    # A UE that reads no data interference in a slot or subframe (NR: no DL DCI for it in its cell's control frame;
    # LTE: no transport block for it, and no CQI report or RSRP/SINR sample next subframe) gets no other data
    # signals in it: it would only add them to its interference and subtract them as they end. A wrong guess of
    # what a UE reads would leave interference out of the SINR of its data or of its CQI reports: far more than
    # rounding.
    three_cells = on_three_cells(name, backend)
    key = f"{backend}_skip_unread_dl_data"
    every_ue = episode_kpis(with_setting(three_cells, key, False), seed)
    readers_only = episode_kpis(with_setting(three_cells, key, True), seed)
    assert every_ue[..., KPI_NAMES.index("DRB.UEThpDl")].sum() > 0  # traffic got through
    np.testing.assert_allclose(readers_only, every_ue, rtol=1e-9, atol=1e-9)


def test_ue_data_interference_without_dl_ctrl_is_a_lean_setting():
    assert load_scenario("small+lean").ran.nr_ue_data_interference_omits_dl_ctrl
    assert not load_scenario("small").ran.nr_ue_data_interference_omits_dl_ctrl  # every signal unless asked


@pytest.mark.parametrize("name, seed", [("small+lean", 1), ("small+lean+fdd+vehicular+urllc-surge", 2)])
def test_ue_data_interference_without_dl_ctrl_moves_kpis_by_rounding_only(name, seed, simulator_binary):
    # A UE reads its data interference only while it receives data, and a DL control frame (its cell's, or the
    # other cells' summed) ends before any data of the slot starts: left out, it changes only the rounding of the
    # UE's running interference sum. A control frame that did overlap a data reception would add the interference
    # of every cell's control region to that data's SINR: far more than rounding.
    # (the other two settings need the omission on)
    three_cells = on_three_cells(name, "nr", nr_neighbour_ctrl_frames=True, nr_skip_unread_ctrl_psd=False)
    key = "nr_ue_data_interference_omits_dl_ctrl"
    every_signal = episode_kpis(with_setting(three_cells, key, False), seed)
    without_ctrl = episode_kpis(with_setting(three_cells, key, True), seed)
    assert every_signal[..., KPI_NAMES.index("DRB.UEThpDl")].sum() > 0  # traffic got through
    np.testing.assert_allclose(without_ctrl, every_signal, rtol=1e-9, atol=1e-9)


def test_nr_neighbour_ctrl_frames_is_a_lean_setting_that_needs_the_omission():
    assert not load_scenario("small+lean").ran.nr_neighbour_ctrl_frames
    assert load_scenario("small").ran.nr_neighbour_ctrl_frames  # every frame unless asked
    lean = load_scenario("small+lean").ran.model_dump()
    with pytest.raises(ValidationError,
                       match="nr_neighbour_ctrl_frames: false needs nr_ue_data_interference_omits_dl_ctrl must be True"):
        RanConfig.model_validate({**lean, "nr_ue_data_interference_omits_dl_ctrl": False})
    RanConfig.model_validate({**lean, "nr_ue_data_interference_omits_dl_ctrl": False, "nr_neighbour_ctrl_frames": True,
                              "nr_skip_unread_ctrl_psd": False})


@pytest.mark.parametrize("name, seed", [("small+lean", 1), ("small+lean+fdd+vehicular+urllc-surge", 2)])
def test_leaving_out_neighbour_ctrl_frames_moves_kpis_by_rounding_only(name, seed, simulator_binary):
    # Another cell's control frame without a PSS reaches only an attached UE's control interference once it is
    # kept out of the data interference, and nothing reads the control interference. This also checks that the
    # path-loss cache (path_loss_refresh_ms: 10 here) takes its losses at instants that do not depend on which
    # links a slot uses: a rule that recomputed a link at its next use moved these KPIs by ~50 % (URLLC's loss).
    three_cells = on_three_cells(name, "nr")
    assert three_cells.ran.path_loss_refresh_ms > 0
    every_frame = episode_kpis(with_setting(three_cells, "nr_neighbour_ctrl_frames", True), seed)
    without = episode_kpis(with_setting(three_cells, "nr_neighbour_ctrl_frames", False), seed)
    assert every_frame[..., KPI_NAMES.index("DRB.UEThpDl")].sum() > 0  # traffic got through
    np.testing.assert_allclose(without, every_frame, rtol=1e-9, atol=1e-9)


def test_ue_skipping_ctrl_interference_is_a_lean_setting_that_needs_no_uplink_power_control():
    assert load_scenario("small+lean").ran.nr_ue_skips_ctrl_interference
    assert not load_scenario("small").ran.nr_ue_skips_ctrl_interference
    lean = load_scenario("small+lean").ran.model_dump()
    with pytest.raises(ValidationError, match="nr_ue_skips_ctrl_interference: true needs uplink_power_control"):
        RanConfig.model_validate({**lean, "uplink_power_control": True})


@pytest.mark.parametrize("name, seed", [("small+lean", 1), ("small+lean+fdd+vehicular+urllc-surge", 2)])
def test_ue_skipping_ctrl_interference_leaves_the_kpis_bit_for_bit(name, seed, simulator_binary):
    # Only uplink power control's RSRP and the DlCtrlSinr trace read a UE's control-channel interference; with the
    # first off and the second not connected, a UE that keeps none must give the same KPIs to the last bit. A
    # control frame whose reception did more (its messages, a PSS measurement) would show here.
    three_cells = on_three_cells(name, "nr", nr_skip_unread_ctrl_psd=False)  # (which needs the skip)
    assert_bit_for_bit(three_cells, "nr_ue_skips_ctrl_interference", seed)


def test_skipping_unread_ctrl_psd_is_a_lean_setting_that_needs_both_ue_settings():
    assert load_scenario("small+lean").ran.nr_skip_unread_ctrl_psd
    assert not load_scenario("small").ran.nr_skip_unread_ctrl_psd
    lean = load_scenario("small+lean").ran.model_dump()
    for other in ("nr_ue_data_interference_omits_dl_ctrl", "nr_ue_skips_ctrl_interference"):
        with pytest.raises(ValidationError, match=f"nr_skip_unread_ctrl_psd: true needs {other} must be True"):
            RanConfig.model_validate({**lean, other: False, "nr_neighbour_ctrl_frames": True})


@pytest.mark.parametrize("name, seed", [("small+lean", 1), ("small+lean+fdd+vehicular+urllc-surge", 2)])
def test_skipping_unread_ctrl_psd_leaves_the_kpis_bit_for_bit(name, seed, simulator_binary):
    # With both UE settings on, a UE reads nothing of a DL control frame without a PSS but its messages (and
    # whether its psd is all zero, which the transmitted psd answers alike): handed the transmitted psd instead of
    # the received one, every KPI must stay the same to the last bit. A reader of that psd would see a power up to
    # ~100 dB too high (no path loss) and show here.
    assert_bit_for_bit(on_three_cells(name, "nr"), "nr_skip_unread_ctrl_psd", seed)


def test_lte_ue_skipping_unread_ctrl_frames_is_a_lean_setting_that_needs_no_ctrl_error_model():
    assert load_scenario("small+lean").ran.lte_ue_skips_unread_ctrl_interference
    assert not load_scenario("small").ran.lte_ue_skips_unread_ctrl_interference
    lean = load_scenario("small+lean").ran.model_dump()
    with pytest.raises(ValidationError,
                       match="lte_ue_skips_unread_ctrl_interference: true needs ctrl_error_model must be False"):
        RanConfig.model_validate({**lean, "backend": "lte", "ctrl_error_model": True, "neighbour_ctrl_frames": True})


@pytest.mark.parametrize("name, seed", [("small+lean", 1), ("small+lean+vehicular+urllc-surge", 2)])
def test_lte_ue_skipping_unread_ctrl_frames_leaves_the_kpis_bit_for_bit(name, seed, simulator_binary):
    # In a subframe with no CQI report or RSRP/SINR sample due and no PSS, nothing reads a UE's control
    # interference: the UE leaves its cell's control frame out of it (and the channel hands it the transmitted
    # psd). Only the rounding that adding and subtracting the frame leaves in the interference's running sum could
    # differ, and in such a subframe the frame is all the sum holds (0 + a - a is 0 exactly): the KPIs stay the
    # same to the last bit. A frame left out where a report read it would move the CQI, and with it the KPIs; a
    # reader of the unscaled psd would see a power ~100 dB too high.
    assert_bit_for_bit(on_three_cells(name, "lte"), "lte_ue_skips_unread_ctrl_interference", seed)


def test_nr_ue_skipping_unchanged_mibs_is_a_lean_setting():
    assert load_scenario("small+lean").ran.nr_ue_skips_unchanged_mib
    assert not load_scenario("small").ran.nr_ue_skips_unchanged_mib


@pytest.mark.parametrize("name, seed", [("small+lean", 1), ("small+lean+fdd+vehicular+urllc-surge", 2)])
def test_nr_ue_skipping_unchanged_mibs_moves_kpis_by_rounding_only(name, seed, simulator_binary):
    # nr reconfigures a UE's PHY at every MIB (every 10 ms): its interference sums are reset to zero and it moves
    # to the end of the channel's receiver list. Left alone, the sums keep their rounding and the receivers their
    # order; nothing is on the air at a UE when it reads its MIB, and the receivers of a transmission do not
    # depend on one another within the instant: only rounding may move.
    three_cells = on_three_cells(name, "nr")
    every = episode_kpis(with_setting(three_cells, "nr_ue_skips_unchanged_mib", False), seed)
    changed_only = episode_kpis(with_setting(three_cells, "nr_ue_skips_unchanged_mib", True), seed)
    assert every[..., KPI_NAMES.index("DRB.UEThpDl")].sum() > 0  # traffic got through
    np.testing.assert_allclose(changed_only, every, rtol=1e-9, atol=1e-9)


def test_skipping_nr_allocation_checks_is_a_lean_setting():
    assert not load_scenario("small+lean").ran.nr_check_allocations
    assert load_scenario("small").ran.nr_check_allocations


def test_skipping_nr_allocation_checks_leaves_the_kpis_bit_for_bit(simulator_binary):
    # The check reads the slot's allocations after they are made and stops the run if two overlap; it changes
    # nothing else, so the KPIs with and without it must be the same to the last bit.
    assert_bit_for_bit(on_three_cells("small+lean+vehicular+urllc-surge", "nr"), "nr_check_allocations", 2)
