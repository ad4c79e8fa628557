"""Failure behaviour of the bridge: dead peers, version mismatches, malformed frames. Each failure is a typed error
within the timeout; nothing hangs and no process is left behind."""

import json
import os
import signal
import time

import numpy as np
import pytest
import zmq

from pamrl.bridge import protocol
from pamrl.bridge.endpoint import AgentEndpoint
from pamrl.bridge.env import SlicingEnv, default_endpoint
from pamrl.bridge.errors import PeerTimeout, ProtocolError, SimulatorDied, VersionMismatch
from pamrl.bridge.simulator import SimulatorProcess

from conftest import with_backend


def process_gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[1].split()[0] == "Z" and False
    except FileNotFoundError:
        return True


def handshake_to_first_observation(agent: AgentEndpoint, scenario) -> None:
    agent.receive(("hello",))
    agent.reply("setup", scenario=scenario.to_simulator(), seed=1)
    agent.receive(("ready",))
    agent.reply("ack")
    agent.receive(("obs",))


def start_simulator(binary, endpoint, timeout_ms):
    return SimulatorProcess([str(binary), f"--connect={endpoint}", f"--timeoutMs={timeout_ms}"])


@pytest.mark.parametrize("backend", ["nr", "lte"])
def test_kill_simulator_mid_episode(small, backend, simulator_binary):
    env = SlicingEnv(with_backend(small, backend), timeout_s=30)
    try:
        env.reset(seed=1)
        env.step({a: np.array([0.4, 0.3, 0.3], dtype=np.float32) for a in env.agents})
        pid = env._process.pid
        os.kill(pid, signal.SIGKILL)
        t0 = time.monotonic()
        with pytest.raises(SimulatorDied, match="SIGKILL"):
            env.step({a: np.array([0.4, 0.3, 0.3], dtype=np.float32) for a in env.agents})
        assert time.monotonic() - t0 < 5.0  # noticed at once, not at the 30 s timeout
    finally:
        env.close()
    assert process_gone(pid), "simulator left as a zombie or still running"


def test_close_mid_episode_leaves_no_process(small_short, simulator_binary):
    env = SlicingEnv(small_short)
    env.reset(seed=1)
    pid = env._process.pid
    env.close()
    assert process_gone(pid)


def test_agent_gone_simulator_exits_by_itself(small_short_each_backend, simulator_binary):
    small_short = small_short_each_backend
    endpoint = default_endpoint()
    agent = AgentEndpoint(endpoint, timeout_s=30)
    sim = start_simulator(simulator_binary, endpoint, timeout_ms=1500)
    try:
        handshake_to_first_observation(agent, small_short)
        agent.close()  # the agent disappears while the simulator waits for its action
        t0 = time.monotonic()
        code = sim.wait(timeout_s=15)
        assert code == 3, sim.stderr_tail()
        assert time.monotonic() - t0 < 10
        assert "did not answer" in sim.stderr_tail()
    finally:
        sim.kill()


def test_simulator_rejects_other_protocol_version(small_short, simulator_binary):
    endpoint = default_endpoint()
    agent = AgentEndpoint(endpoint, timeout_s=30)
    sim = start_simulator(simulator_binary, endpoint, timeout_ms=5000)
    try:
        agent.receive(("hello",))
        frame = json.loads(protocol.encode("setup", scenario=small_short.to_simulator(), seed=1))
        frame["version"] = protocol.VERSION + 1
        agent.send_raw(json.dumps(frame).encode())
        assert sim.wait(timeout_s=10) == 3
        assert "protocol version" in sim.stderr_tail()
    finally:
        sim.kill()
        agent.close()


def fake_simulator_hello(endpoint: str, version: int) -> zmq.Socket:
    """A REQ peer that only says hello with the given version (the test's subject is that mismatch)."""
    sock = zmq.Context.instance().socket(zmq.REQ)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(endpoint)
    sock.send(json.dumps({"protocol": protocol.PROTOCOL, "version": version, "type": "hello",
                          "simulator": "fake"}).encode())
    return sock


def test_agent_rejects_other_protocol_version(small_short):
    endpoint = default_endpoint()
    env = SlicingEnv(small_short, endpoint=endpoint, attach=True, connect_timeout_s=3)
    peer = fake_simulator_hello(endpoint, protocol.VERSION + 1)
    try:
        with pytest.raises(VersionMismatch, match="rebuild the simulator"):
            env.reset(seed=1)
        reply = json.loads(peer.recv())  # the simulator side is told why
        assert reply["type"] == "error"
    finally:
        peer.close()
        env.close()


def test_attach_without_simulator_times_out(small_short):
    env = SlicingEnv(small_short, attach=True, connect_timeout_s=1.0)
    t0 = time.monotonic()
    with pytest.raises(PeerTimeout, match="hello"):
        env.reset(seed=1)
    assert time.monotonic() - t0 < 5
    env.close()


def test_attach_waits_for_a_connection_no_longer_than_its_timeout(small_short):
    """A simulator container killed between two episodes is noticed within --timeout, not the 60 s connect wait."""
    env = SlicingEnv(small_short, attach=True, timeout_s=1.0)
    assert env.connect_timeout_s >= 60
    t0 = time.monotonic()
    with pytest.raises(PeerTimeout, match="hello"):
        env.reset(seed=1)
    assert time.monotonic() - t0 < 5
    env.close()


@pytest.mark.parametrize(
    "frame, message",
    [
        (b"\xff\xfe not json", "not valid JSON"),
        (b"[1, 2, 3]", "not a JSON object"),
        (b'{"protocol": "pamrl-slicing", "version": 1, "type": "launch"}', "no known"),
        (b'{"protocol": "pamrl-slicing", "version": 1, "type": "setup", "seed": 1}', "lacks field"),
        (b'{"protocol": "pamrl-slicing", "version": 1, "type": "setup", "seed": "1", "scenario": {}}', "must be integer"),
    ],
)
def test_malformed_frame_into_live_simulator(simulator_binary, frame, message):
    endpoint = default_endpoint()
    agent = AgentEndpoint(endpoint, timeout_s=30)
    sim = start_simulator(simulator_binary, endpoint, timeout_ms=5000)
    try:
        agent.receive(("hello",))
        agent.send_raw(frame)
        assert sim.wait(timeout_s=10) == 3
        assert message in sim.stderr_tail()
    finally:
        sim.kill()
        agent.close()


def test_bad_shares_are_a_protocol_error_in_the_simulator(small_short, simulator_binary):
    endpoint = default_endpoint()
    agent = AgentEndpoint(endpoint, timeout_s=30)
    sim = start_simulator(simulator_binary, endpoint, timeout_ms=5000)
    try:
        handshake_to_first_observation(agent, small_short)
        agent.reply("act", shares=[[0.9, 0.9, 0.9], [0.3, 0.3, 0.4]])
        # The simulator answers with an "error" request and exits.
        with pytest.raises(ProtocolError, match="sums to"):
            agent.receive(("obs",))
        assert sim.wait(timeout_s=10) == 3
    finally:
        sim.kill()
        agent.close()
