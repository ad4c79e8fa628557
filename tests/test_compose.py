"""`docker compose up`, for real: both images built from this checkout, the agent and the simulator as two
containers talking ZeroMQ, Parquet results on the host, nothing left after `down`, and a stopped peer ending the
other side with a clear message within its timeout.

Host networking throughout (docker/compose.ci.yaml): builds and containers use the host's network and the
simulator reaches the agent over loopback only. Base images: the public ones when present locally, else local
stand-ins made by docker/base-image.sh (no image registry is needed). Skipped only when no Docker engine can be
started here (scripts/docker-engine.sh exits 3: not root, no sudo, no docker.io).
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
COMPOSE_FILES = ["-f", str(REPO / "compose.yaml"), "-f", str(REPO / "docker" / "compose.ci.yaml")]
PUBLIC_BASES = {"PAMRL_PYTHON_IMAGE": "python:3.11-slim-bookworm", "PAMRL_DEBIAN_IMAGE": "debian:bookworm-slim"}
LOCAL_BASES = {"PAMRL_PYTHON_IMAGE": "pamrl-local/python:3.11-slim-bookworm",
               "PAMRL_DEBIAN_IMAGE": "pamrl-local/debian:bookworm-slim"}
TIMEOUT_S = 10  # PAMRL_TIMEOUT_S of the failure tests: how long a side waits for a stopped peer

# Cold builds (torch, compiling the scenario) take minutes on 2 cores.
pytestmark = pytest.mark.timeout(3600)


def run(argv: list[str], *, env: dict | None = None, timeout: float = 1800, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{shlex.join(argv)} exited with {result.returncode}:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


def image_exists(name: str) -> bool:
    return run(["docker", "image", "inspect", name], check=False).returncode == 0


def pip_settings() -> dict[str, list[str]]:
    """find-links and cert as this machine's pip sees them (config files and PIP_* variables)."""
    out = run([sys.executable, "-m", "pip", "config", "list"], check=False).stdout
    settings: dict[str, list[str]] = {"find-links": [], "cert": []}
    for line in out.splitlines():
        key, _, value = line.partition("=")
        name = key.rsplit(".", 1)[-1]
        if name in settings:
            settings[name] += shlex.split(value.strip().strip("'\""))
    return settings


def link_local_torch_wheels() -> list[Path]:
    """Puts the CPU torch wheels of pip's find-links folders into docker/wheels/ (hard links where possible)."""
    linked = []
    for location in pip_settings()["find-links"]:
        folder = Path(location.removeprefix("file://"))
        for wheel in folder.glob("torch-*+cpu-*.whl") if folder.is_dir() else []:
            target = REPO / "docker" / "wheels" / wheel.name
            if not target.exists():
                try:
                    os.link(wheel, target)
                except OSError:
                    target.write_bytes(wheel.read_bytes())
            linked.append(target)
    return linked


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def report(config: pytest.Config, text: str) -> None:
    """Prints a measurement past pytest's output capture."""
    with config.pluginmanager.getplugin("capturemanager").global_and_fixture_disabled():
        print(f"\n[compose] {text}", flush=True)


@pytest.fixture(scope="module")
def build_env() -> dict[str, str]:
    engine = subprocess.run([str(REPO / "scripts" / "docker-engine.sh")], capture_output=True, text=True, timeout=900)
    if engine.returncode == 3:
        pytest.skip(f"no Docker engine can be started here: {engine.stderr.strip().splitlines()[-1]}")
    assert engine.returncode == 0, f"scripts/docker-engine.sh failed:\n{engine.stderr[-4000:]}"

    env = dict(os.environ)
    # The simulator image takes this machine's ns-3 build (scripts/setup.sh made it) instead of compiling ns-3 again.
    run([str(REPO / "docker" / "stage-host-ns3.sh")], timeout=3600)
    if all(image_exists(i) for i in PUBLIC_BASES.values()):
        env.update(PUBLIC_BASES)
    else:
        run([str(REPO / "docker" / "base-image.sh")], timeout=900)
        env.update(LOCAL_BASES)
    # torch: this machine's own CPU wheel when pip has one; else the Dockerfile's default, PyTorch's CPU index.
    if link_local_torch_wheels():
        env["PAMRL_TORCH_INDEX"] = ""
    # The CA certificates this machine's pip trusts, for pip inside the builds.
    certs = pip_settings()["cert"] + [os.environ.get("PIP_CERT", ""), "/etc/ssl/certs/ca-certificates.crt"]
    ca = next((c for c in certs if c and Path(c).is_file()), None)
    if ca:
        env["PAMRL_EXTRA_CA"] = ca
    return env


@pytest.fixture(scope="module")
def images(build_env, pytestconfig) -> dict[str, str]:
    t0 = time.monotonic()
    run(["docker", "compose", *COMPOSE_FILES, "build"], env=build_env, timeout=3000)
    sizes = {s: run(["docker", "image", "inspect", "-f", "{{.Size}}", f"pamrl-{s}:latest"]).stdout.strip()
             for s in ("agent", "simulator")}
    report(pytestconfig, f"build {time.monotonic() - t0:.0f} s; image sizes " +
           ", ".join(f"pamrl-{s} {int(b) / 1e6:.0f} MB" for s, b in sizes.items()) +
           f" (bases: {build_env['PAMRL_PYTHON_IMAGE']}, {build_env['PAMRL_DEBIAN_IMAGE']})")
    return sizes


class Project:
    """One compose project with its own name, port and results folder; `down` at the end, whatever happened."""

    def __init__(self, env: dict[str, str], results: Path, **knobs: str) -> None:
        self.name = f"pamrl-test-{uuid.uuid4().hex[:8]}"
        results.mkdir()
        results.chmod(0o777)  # the agent runs as uid 1000, not as the test's user
        self.results = results
        self.env = {**env, "PAMRL_RESULTS": str(results), "PAMRL_BIND_HOST": "127.0.0.1",
                    "PAMRL_PORT": str(free_port()), **knobs}

    def compose(self, *args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess:
        return run(["docker", "compose", "-p", self.name, *COMPOSE_FILES, *args], env=self.env, timeout=timeout, check=check)

    def container(self, service: str) -> dict:
        out = self.compose("ps", "-a", "--format", "json", service).stdout
        rows = [json.loads(line) for line in out.splitlines() if line.strip()]
        assert len(rows) == 1, f"expected one {service} container, got {out!r}"
        return rows[0]

    def exit_code(self, service: str) -> int:
        return int(run(["docker", "inspect", "-f", "{{.State.ExitCode}}", self.container(service)["ID"]]).stdout)

    def wait(self, service: str, timeout: float) -> int:
        return int(run(["docker", "wait", self.container(service)["ID"]], timeout=timeout).stdout)

    def logs(self, service: str) -> str:
        return self.compose("logs", "--no-color", "--no-log-prefix", service).stdout

    def leftovers(self) -> list[str]:
        label = f"label=com.docker.compose.project={self.name}"
        return (run(["docker", "ps", "-aq", "--filter", label]).stdout.split()
                + run(["docker", "network", "ls", "-q", "--filter", label]).stdout.split()
                + run(["docker", "volume", "ls", "-q", "--filter", label]).stdout.split())

    def down(self) -> None:
        self.compose("down", "--remove-orphans", "--timeout", "5", check=False)


@pytest.fixture
def project(build_env, images, tmp_path):
    projects = []

    def make(**knobs: str) -> Project:
        projects.append(Project(build_env, tmp_path / f"results-{len(projects)}", **knobs))
        return projects[-1]

    yield make
    for p in projects:
        p.down()


def test_compose_up_runs_both_containers_and_writes_parquet_on_the_host(project, pytestconfig):
    p = project(PAMRL_JOB="simulate", PAMRL_SCENARIO="small", PAMRL_POLICY="equal", PAMRL_EPISODES="2")
    t0 = time.monotonic()
    up = p.compose("up", timeout=900, check=False)
    elapsed = time.monotonic() - t0
    assert up.returncode == 0, f"docker compose up exited with {up.returncode}:\n{up.stdout[-4000:]}\n{up.stderr[-4000:]}"
    assert (p.exit_code("agent"), p.exit_code("simulator")) == (0, 0), up.stdout[-4000:]
    sim_log = p.logs("simulator")
    assert "the agent needs no more episodes; 2 episode(s) run" in sim_log, sim_log

    files = sorted((p.results / "simulate-small-equal" / "steps").glob("*.parquet"))
    assert [f.name for f in files] == ["episode-000000.parquet", "episode-000001.parquet"]
    for f in files:
        assert f.stat().st_mode & 0o004, f"{f} is not world-readable"
    steps = pd.read_parquet(p.results / "simulate-small-equal" / "steps")
    assert len(steps) > 0 and set(steps["episode"]) == {0, 1}
    assert steps["reward"].between(0, 1).all()
    report(pytestconfig, f"compose up (2 episodes of the small scenario) {elapsed:.1f} s, {len(steps)} KPI rows")

    p.down()
    assert p.leftovers() == [], "docker compose down left containers, networks or volumes behind"


def test_default_job_trains_pa_mrl_then_evaluates_it_against_equal(project, pytestconfig):
    # README's main job, short: 2 training episodes (the first of random shares), 1 evaluation episode per method.
    p = project(PAMRL_SCENARIO="small", PAMRL_EPISODES="2", PAMRL_LEARNING_STARTS="20", PAMRL_EVAL_EPISODES="1")
    t0 = time.monotonic()
    up = p.compose("up", timeout=1200, check=False)
    elapsed = time.monotonic() - t0
    assert up.returncode == 0, f"docker compose up exited with {up.returncode}:\n{up.stdout[-4000:]}\n{up.stderr[-4000:]}"
    assert (p.exit_code("agent"), p.exit_code("simulator")) == (0, 0), up.stdout[-4000:]
    assert "the agent needs no more episodes; 4 episode(s) run" in p.logs("simulator")  # 2 training, 2 evaluation
    out = p.results / "demo-small-pa-mrl"
    assert (out / "train" / "checkpoint.pt").is_file()
    updates = pd.read_parquet(out / "train" / "updates")
    assert len(updates) > 0  # it learned in the second episode
    evaluation = {m: pd.read_parquet(out / "evaluation" / m / "steps") for m in ("pa-mrl", "equal")}
    assert all(len(f) > 0 and f["reward"].between(0, 1).all() for f in evaluation.values())
    assert "evaluation on small" in p.logs("agent") and "equal" in p.logs("agent")
    report(pytestconfig, f"compose up, default job (train 2 + evaluate 2 episodes of small) {elapsed:.1f} s")
    p.down()
    assert p.leftovers() == []


def test_agent_stopped_ends_the_simulator_with_a_clear_message_within_its_timeout(project):
    p = project(PAMRL_JOB="simulate", PAMRL_EPISODES="1000", PAMRL_TIMEOUT_S=str(TIMEOUT_S))
    p.compose("up", "--detach", "--wait", timeout=300)  # --wait: both healthy, an episode is running
    p.compose("kill", "agent")
    t0 = time.monotonic()
    code = p.wait("simulator", timeout=TIMEOUT_S + 60)
    elapsed = time.monotonic() - t0
    log = p.logs("simulator")
    assert code == 3, log
    assert "FAILED" in log and "bridge error" in log, log
    assert elapsed < TIMEOUT_S + 10, f"simulator took {elapsed:.1f} s to give up (timeout {TIMEOUT_S} s)"
    assert p.exit_code("agent") != 0
    p.down()
    assert p.leftovers() == []


def test_simulator_stopped_ends_the_agent_with_a_clear_message(project):
    p = project(PAMRL_JOB="simulate", PAMRL_EPISODES="1000", PAMRL_TIMEOUT_S=str(TIMEOUT_S))
    p.compose("up", "--detach", "--wait", timeout=300)
    p.compose("kill", "simulator")
    t0 = time.monotonic()
    code = p.wait("agent", timeout=TIMEOUT_S + 120)
    elapsed = time.monotonic() - t0
    log = p.logs("agent")
    assert code == 2, log
    assert "pamrl simulate: error:" in log, log
    assert elapsed < TIMEOUT_S + 10, f"agent took {elapsed:.1f} s to give up (timeout {TIMEOUT_S} s)"
    p.down()
    assert p.leftovers() == []
