"""The profile-guided build's recipe (scripts/build-pgo.sh), checked without building anything.

The build itself takes ~70 minutes, so the suite checks what would silently go wrong: training scenarios that no
longer are the configurations they claim to profile, and compiler-flag plumbing that changes the default build's
cache key (every machine would rebuild ns-3) or gives a profiled build the default's key (the two would mix).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from pamrl.bridge.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
TRAINING = REPO / "ns3-scenarios" / "pgo"


@pytest.mark.parametrize("file, catalog", [
    ("lte-paper-lean.yaml", "paper+lean+lte"),
    ("nr-paper-lean.yaml", "paper+lean"),
    ("lte-small.yaml", "small+lte"),
    ("nr-small.yaml", "small"),
])
def test_training_scenarios_are_the_catalog_configurations_they_name(file, catalog):
    trained = load_scenario(TRAINING / file).to_simulator()
    shipped = load_scenario(catalog).to_simulator()
    assert trained["control"]["episode_steps"] <= 10  # a training run, not an episode
    for d in (trained, shipped):
        d.pop("name")
        d["control"].pop("episode_steps")
    assert trained == shipped


def _prefix(**env: str) -> str:
    env = {**{k: v for k, v in os.environ.items() if k not in ("PAMRL_NS3_CXXFLAGS", "PAMRL_NS3_CMAKE_EXTRA")},
           **env}
    out = subprocess.run([str(REPO / "scripts" / "build-ns3.sh"), "--key-only"], env=env, capture_output=True,
                         text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def test_profile_flags_get_their_own_cache_key_and_leave_the_default_alone():
    unset = _prefix()
    assert _prefix(PAMRL_NS3_CXXFLAGS="") == unset
    generate = _prefix(PAMRL_NS3_CXXFLAGS="-fprofile-generate=/tmp/x -fprofile-update=single")
    use = _prefix(PAMRL_NS3_CXXFLAGS="-fprofile-use=/tmp/x -fprofile-partial-training")
    other_profile = _prefix(PAMRL_NS3_CXXFLAGS="-fprofile-use=/tmp/y -fprofile-partial-training")
    assert len({unset, generate, use, other_profile}) == 4
