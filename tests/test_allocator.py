"""The simulator's allocator (pamrl.bridge.simulator.allocator_env): jemalloc preloaded with its heap on huge
pages, which makes paper scale faster, must leave results alone, and a user's own MALLOC_CONF must win."""

import json
import os
import subprocess

import pytest

from pamrl.bridge.simulator import JEMALLOC_HUGE_PAGES, JEMALLOC_SMALL_PAGES, allocator_env, jemalloc_path

from conftest import shortened, with_backend

pytestmark = pytest.mark.skipif(jemalloc_path() is None, reason="no libjemalloc.so.2 (scripts/setup.sh installs it)")


def test_huge_pages_by_default_and_the_users_malloc_conf_wins(monkeypatch):
    monkeypatch.delenv("MALLOC_CONF", raising=False)
    assert allocator_env() == {"LD_PRELOAD": jemalloc_path(), "MALLOC_CONF": JEMALLOC_HUGE_PAGES}
    assert allocator_env(huge_pages=False)["MALLOC_CONF"] == JEMALLOC_SMALL_PAGES
    assert allocator_env(use_jemalloc=False) == {}
    monkeypatch.setenv("MALLOC_CONF", "thp:default")
    assert allocator_env()["MALLOC_CONF"] == "thp:default"
    assert allocator_env(huge_pages=False)["MALLOC_CONF"] == "thp:default"


@pytest.mark.parametrize("backend", ["nr", "lte"])
def test_huge_pages_leave_the_kpis_bit_for_bit(small, backend, simulator_binary, tmp_path, monkeypatch):
    monkeypatch.delenv("MALLOC_CONF", raising=False)
    resolved = tmp_path / "small.json"
    resolved.write_text(json.dumps(with_backend(shortened(small, 4), backend).to_simulator()))
    outputs = []
    for huge in (True, False):
        out = tmp_path / f"huge-{huge}.json"
        subprocess.run([str(simulator_binary), f"--scenario={resolved}", "--seed=3", "--shares=0.5,0.3,0.2",
                        f"--out={out}"], env={**os.environ, **allocator_env(huge_pages=huge)}, check=True, timeout=300,
                       stdout=subprocess.DEVNULL, cwd=tmp_path)
        outputs.append(json.loads(out.read_text()))
    assert len(outputs[0]) >= 4 and outputs[0] == outputs[1]
