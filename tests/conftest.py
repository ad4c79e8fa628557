"""Shared fixtures. Tests drive the real simulator binary built by scripts/setup.sh."""

from __future__ import annotations

import numpy as np
import pytest

from pamrl.bridge.env import SlicingEnv

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


def with_backend(scenario: Scenario, backend: str) -> Scenario:
    """The same scenario on another RAN backend (nr, the default, or lte)."""
    return scenario.model_copy(update={"ran": scenario.ran.model_copy(update={"backend": backend})})


def episode_kpis(scenario: Scenario, seed: int, shares=(0.5, 0.3, 0.2)) -> np.ndarray:
    """One episode with fixed shares: the KPI table after every step, [step, du, slice, kpi]."""
    env = SlicingEnv(scenario)
    try:
        env.reset(seed=seed)
        tables = []
        while env.agents:
            env.step({a: np.asarray(shares, dtype=np.float32) for a in env.agents})
            tables.append(env.kpis.copy())
        return np.stack(tables)
    finally:
        env.close()


@pytest.fixture(scope="session")
def small() -> Scenario:
    return load_scenario("small")


@pytest.fixture
def small_short(small) -> Scenario:
    return shortened(small, 5)


@pytest.fixture(params=["nr", "lte"])
def small_short_each_backend(request, small) -> Scenario:
    """`small_short` on each RAN backend, for the tests whose subject is the simulator itself."""
    return with_backend(shortened(small, 5), request.param)
