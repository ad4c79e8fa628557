"""C++ checks of the scenario's models (share rounding, fading statistics): ns3-scenarios/tests/model-tests.cc."""

import subprocess

from pamrl.bridge.simulator import find_simulator_binary


def test_cpp_model_checks():
    result = subprocess.run([str(find_simulator_binary().parent / "pamrl-model-tests")], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ALL PASSED" in result.stdout
    assert result.stdout.count("PASS ") >= 8
