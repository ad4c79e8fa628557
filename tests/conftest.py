"""Shared fixtures. Tests drive the real simulator binary built by scripts/setup.sh."""

from __future__ import annotations

import pytest

from pamrl.bridge.scenario import Scenario, load_scenario
from pamrl.bridge.simulator import find_simulator_binary


@pytest.fixture(scope="session")
def simulator_binary():
    # No skip: a missing binary means the set-up is broken, and CI must say so.
    return find_simulator_binary()


def shortened(scenario: Scenario, steps: int, **control) -> Scenario:
    """The same scenario with a shorter episode (keeps the suite fast)."""
    return scenario.model_copy(
        update={"control": scenario.control.model_copy(update={"episode_steps": steps, **control})}
    )


@pytest.fixture(scope="session")
def small() -> Scenario:
    return load_scenario("small")


@pytest.fixture
def small_short(small) -> Scenario:
    return shortened(small, 5)
