"""The C++ side's ns-3 TestSuites (ns3-scenarios/test/), run one by one with ns-3's test runner: share rounding,
fading statistics (and its order-independent HashedLinks mode), the NR slice scheduler on a real 5G-LENA cell,
the same-side transmit filter, and the time-bucket event list against ns-3's."""

import subprocess

import pytest

from pamrl.bridge.simulator import find_simulator_binary

SUITES = ["pamrl-slice-rbg-split", "pamrl-correlated-rayleigh-fading", "pamrl-nr-slice-scheduler",
          "pamrl-same-side-transmit-filter", "pamrl-time-bucket-scheduler"]


def _runner() -> str:
    return str(find_simulator_binary().parent / "pamrl-test-runner")


def test_every_suite_is_listed():
    listed = subprocess.run([_runner(), "--list"], capture_output=True, text=True, timeout=60).stdout
    assert sorted(s for s in SUITES if s in listed) == sorted(SUITES), listed


@pytest.mark.parametrize("suite", SUITES)
def test_cpp_suite(suite):
    result = subprocess.run([_runner(), f"--suite={suite}", "--verbose"], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS" in result.stdout and "FAIL" not in result.stdout, result.stdout
