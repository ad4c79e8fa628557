"""The scenario catalog: every variant composes with both bases, runs at small scale, and changes what it says."""

import numpy as np
import pytest

from pamrl.bridge.env import SlicingEnv
from pamrl.bridge.errors import ScenarioError
from pamrl.bridge.protocol import KPI_NAMES
from pamrl.bridge.scenario import VARIANT_DIR, load_scenario

from conftest import shortened

VARIANTS = sorted(p.stem for p in VARIANT_DIR.glob("*.yaml"))
OFFERED = KPI_NAMES.index("DRB.OfferedLoadDl")
UES = KPI_NAMES.index("UE.Count")


def run(scenario, steps, seed=1):
    env = SlicingEnv(shortened(scenario, steps))
    try:
        env.reset(seed=seed)
        tables = [env.kpis.copy()]
        while env.agents:
            env.step({a: np.array([1 / 3] * 3, np.float32) for a in env.agents})
            tables.append(env.kpis.copy())
        return np.stack(tables)
    finally:
        env.close()


def test_catalog_has_the_promised_variants():
    assert {"vehicular", "random-waypoint", "gauss-markov", "static", "urllc-surge", "embb-heavy", "mmtc-burst",
            "time-varying", "hotspot", "high-doppler"} <= set(VARIANTS)


@pytest.mark.parametrize("variant", VARIANTS)
def test_variant_composes_and_runs_at_small_scale(variant, simulator_binary):
    paper = load_scenario(f"paper+{variant}")
    assert paper.ran.num_dus == 6 and paper.name == f"paper+{variant}"
    tables = run(load_scenario(f"small+{variant}"), steps=3)
    assert tables.shape[0] == 4 and np.all(np.isfinite(tables))
    assert tables[1:, :, :, OFFERED].sum() > 0


def test_urllc_surge_raises_urllc_load_only_during_the_surge(simulator_binary):
    # small: first observation at 0.3 s, then every 0.1 s; the surge is 1.0-1.6 s.
    t = run(load_scenario("small+urllc-surge"), steps=16)
    times = 0.3 + 0.1 * np.arange(len(t))
    during = (times > 1.15) & (times <= 1.6)
    before = (times > 0.45) & (times <= 0.95)
    urllc = t[:, :, 1, OFFERED].mean(axis=1)
    assert urllc[during].mean() > 2.5 * urllc[before].mean()
    embb = t[:, :, 0, OFFERED].mean(axis=1)
    assert embb[during].mean() < 1.5 * embb[before].mean()


def test_hotspot_triples_the_ues_of_du0(simulator_binary):
    t = run(load_scenario("small+hotspot"), steps=1)
    assert np.array_equal(t[0, 0, :, UES], 3 * t[0, 1, :, UES])


def test_unknown_catalog_name_lists_the_known_ones():
    with pytest.raises(ScenarioError, match="known: .*paper.*vehicular"):
        load_scenario("small+teleport")
