"""The event list (`ran.event_scheduler`: ns-3's map, heap, priority-queue and calendar, and our buckets) changes speed
only: every implementation orders events by time, then by the order they were scheduled, so the KPIs are
bit-identical whichever the scenario picks. The setting used to be
bound to ns-3's SchedulerType global after the simulator existed, which left every run on the default map: the
environment now sets the list on the simulator itself."""

import numpy as np
import pytest

from pamrl.bridge.protocol import KPI_NAMES
from pamrl.bridge.scenario import Scenario, load_scenario

from conftest import episode_kpis, shortened, with_backend


def with_scheduler(scenario: Scenario, scheduler: str) -> Scenario:
    return scenario.model_copy(update={"ran": scenario.ran.model_copy(update={"event_scheduler": scheduler})})


@pytest.mark.parametrize("backend, steps", [("lte", 5), ("nr", 3)])
def test_every_event_list_gives_bit_identical_kpis(backend, steps, simulator_binary):
    scenario = with_backend(shortened(load_scenario("small+urllc-surge"), steps), backend)
    default = scenario.ran.event_scheduler
    kpis = {s: episode_kpis(with_scheduler(scenario, s), seed=3) for s in ("map", "heap", "priority-queue", "calendar", "buckets")}
    thp = KPI_NAMES.index("DRB.UEThpDl")
    assert kpis[default][:, :, :, thp].sum() > 0  # traffic got through: the comparison is not of empty tables
    for scheduler, values in kpis.items():
        assert np.array_equal(values, kpis[default]), scheduler
