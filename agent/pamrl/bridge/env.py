"""The co-simulation as a PettingZoo ParallelEnv: one agent per DU, over the real ns-3 scenario.

Observation (per DU, float32, shape (3 * K + 3,)): the DU's KPIs of the last control period, slice by slice
  (eMBB, URLLC, mMTC; K = len(KPI_NAMES), units in agent/pamrl/bridge/schema.json), then the shares in force during it.
Action (per DU, float32, shape (3,)): non-negative slice weights; the environment normalises them onto the simplex
  (all zero means equal shares). The scenario rounds shares to whole RBGs (ns3-scenarios/model/slice-rbg-allocator.h).
Reward (per DU): reward.py, in [0, 1].
Infos (per DU, from reset() and step()): the period's step index and time, its KPI table [slice, kpi] (float64),
  its QoS levels [slice] (reward.py) and the shares [slice] that governed it: what pamrl's own agents read
  (pamrl.rollout.View).
Global state (`state()`): all DUs' observations, concatenated: the input of a centralised critic.
Episode end: `truncated` for every agent after `control.episode_steps` steps; never `terminated` (slicing has no
  terminal state). A simulator that dies or goes silent raises SimulatorDied / PeerTimeout.

Each reset starts a fresh simulator run with ns-3 RngRun = seed + 1 (spawn mode, the default), or waits for an
externally started simulator to connect (attach mode, for containers: the simulator container connects to the
agent's endpoint for every episode).
"""

from __future__ import annotations

import functools
import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from pamrl.bridge.endpoint import AgentEndpoint
from pamrl.bridge.errors import BridgeError, ProtocolError
from pamrl.bridge.protocol import KPI_NAMES, NUM_KPIS, NUM_SLICES, SLICE_NAMES
from pamrl.bridge.reward import qos_levels, weighted_rewards
from pamrl.bridge.scenario import Scenario, load_scenario
from pamrl.bridge.simulator import SimulatorProcess, find_simulator_binary


def project_to_simplex(action: np.ndarray) -> np.ndarray:
    """Non-negative weights -> shares summing to 1 (equal shares when all weights are 0)."""
    a = np.clip(np.nan_to_num(np.asarray(action, dtype=np.float64), nan=0.0), 0.0, None)
    total = a.sum()
    return a / total if total > 0 else np.full(a.shape, 1.0 / a.size)


def default_endpoint() -> str:
    """A fresh ipc:// path in the temp folder: local only, and unique so parallel runs never collide."""
    return f"ipc://{tempfile.gettempdir()}/pamrl-{os.getpid()}-{uuid.uuid4().hex[:8]}.sock"


# Attach mode: endpoints that a closed environment left open for the next job of this process (close() with
# dismiss_on_close false), by address. A simulator that connected meanwhile has its "hello" queued in that socket;
# the next environment on the address takes the socket over and answers it. (A freshly bound socket would not see
# that hello, and the simulator would wait for an answer that never comes.)
_HANDED_OVER: dict[str, AgentEndpoint] = {}


class SlicingEnv(ParallelEnv):
    metadata = {"name": "pamrl_slicing_v0", "render_modes": []}

    def __init__(
        self,
        scenario: Scenario | str | Path,
        *,
        endpoint: str | None = None,
        attach: bool = False,
        timeout_s: float = 120.0,
        connect_timeout_s: float = 60.0,
        simulator: str | Path | None = None,
        use_jemalloc: bool = True,
        dismiss_on_close: bool = True,
    ) -> None:
        """
        scenario: a Scenario or a scenario file (validated here, before any process starts).
        endpoint: where the agent binds (default: a private ipc:// path; tcp://0.0.0.0:PORT only for containers).
        attach: wait for an externally started simulator instead of starting one per episode.
        timeout_s: longest wait for one control period of the simulator (paper scale needs tens of seconds).
        connect_timeout_s: longest wait for a simulator to connect at reset; in attach mode at most timeout_s,
            since nothing else tells a dead simulator side from a slow one between episodes.
        simulator: the scenario binary (default: find_simulator_binary()).
        dismiss_on_close: attach mode: close() tells the next simulator to stop (false: leaves it waiting, and
            the endpoint open, for the next environment on the same address in this process).
        """
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.attach = attach
        self.timeout_s = timeout_s
        self.connect_timeout_s = connect_timeout_s
        self.use_jemalloc = use_jemalloc
        self.dismiss_on_close = dismiss_on_close
        self.simulator_binary = None if attach else Path(simulator) if simulator else find_simulator_binary()
        self.endpoint_address = endpoint or default_endpoint()

        n = self.scenario.ran.num_dus
        self.possible_agents = [f"du{i}" for i in range(n)]
        self.agents: list[str] = []
        obs_dim = NUM_SLICES * NUM_KPIS + NUM_SLICES
        self._observation_space = spaces.Box(-np.inf, np.inf, shape=(obs_dim,), dtype=np.float32)
        self._action_space = spaces.Box(0.0, 1.0, shape=(NUM_SLICES,), dtype=np.float32)
        self.state_space = spaces.Box(-np.inf, np.inf, shape=(n * obs_dim,), dtype=np.float32)

        self._endpoint: AgentEndpoint | None = None
        self._process: SimulatorProcess | None = None
        self._np_random = np.random.default_rng()
        self.description: dict[str, Any] | None = None
        self.kpis = np.zeros((n, NUM_SLICES, NUM_KPIS))
        self.shares = np.tile(np.asarray(self.scenario.control.initial_shares), (n, 1))
        self.step_index = 0
        self.time_s = 0.0
        self.seed_used: int | None = None
        self._healthy = True  # false after a bridge error: close() then does not wait for another simulator

    @functools.lru_cache(maxsize=None)
    def observation_space(self, agent: str) -> spaces.Box:
        return self._observation_space

    @functools.lru_cache(maxsize=None)
    def action_space(self, agent: str) -> spaces.Box:
        return self._action_space

    # -- episode ---------------------------------------------------------------------------------------------

    def reset(self, seed: int | None = None, options: dict | None = None):
        try:
            return self._reset(seed)
        except BridgeError:
            self._healthy = False
            raise

    def _reset(self, seed: int | None):
        if seed is not None:
            self._np_random = np.random.default_rng(seed)
            run = int(seed) + 1
        else:
            run = int(self._np_random.integers(1, 2**31 - 1))
        self._end_episode()
        if self._endpoint is None:
            self._endpoint = _HANDED_OVER.pop(self.endpoint_address, None)
            if self._endpoint is not None:
                self._endpoint.timeout_s = self.timeout_s
            else:
                self._endpoint = AgentEndpoint(self.endpoint_address, self.timeout_s)
        if not self.attach:
            self._process = SimulatorProcess(
                [str(self.simulator_binary), f"--connect={self.endpoint_address}", f"--timeoutMs={int(self.timeout_s * 1000)}"],
                use_jemalloc=self.use_jemalloc,
            )
        self.seed_used = run
        liveness = self._process.check_alive if self._process else None
        # A process of ours is watched (liveness); an attached simulator side is not, so a container killed between
        # two episodes would otherwise hold the agent for the whole connect timeout whatever --timeout says.
        connect_s = min(self.connect_timeout_s, self.timeout_s) if self.attach else self.connect_timeout_s
        self._endpoint.receive(("hello",), timeout_s=connect_s, liveness=liveness)
        self._endpoint.reply("setup", scenario=self.scenario.to_simulator(), seed=run)
        ready = self._endpoint.receive(("ready",), liveness=liveness)
        self._check_description(ready)
        self.description = ready
        self._endpoint.reply("ack")
        self.agents = list(self.possible_agents)
        self.shares = np.tile(np.asarray(self.scenario.control.initial_shares), (len(self.agents), 1))
        self._receive_observation()
        infos = self._infos()
        return self._observations(), infos

    def step(self, actions: dict[str, np.ndarray]):
        self.step_async(actions)
        return self.step_wait()

    def step_async(self, actions: dict[str, np.ndarray]) -> None:
        """Sends the actions; the simulator runs the next control period while the caller does other work
        (e.g. learning). Finish with step_wait()."""
        if not self.agents:
            raise RuntimeError("step() after the episode ended: call reset()")
        missing = set(self.agents) - set(actions)
        if missing:
            raise ValueError(f"actions missing for agents {sorted(missing)}")
        self.shares = np.stack([project_to_simplex(actions[a]) for a in self.agents])
        self._endpoint.reply("act", shares=self.shares.tolist())

    def observation_ready(self) -> bool:
        """True once the simulator's next observation has arrived (step_wait will not block)."""
        return self._endpoint is not None and self._endpoint.poll()

    def step_wait(self):
        """Receives the observation that follows step_async(); returns what step() returns."""
        try:
            final = self._receive_observation()
        except BridgeError:
            self._healthy = False
            raise
        qos = self.qos()
        r = weighted_rewards(qos, self.scenario)
        observations = self._observations()
        rewards_d = {a: float(r[i]) for i, a in enumerate(self.agents)}
        terminations = {a: False for a in self.agents}
        truncations = {a: final for a in self.agents}
        infos = self._infos(qos)
        if final:
            self._end_episode()
            self.agents = []
        return observations, rewards_d, terminations, truncations, infos

    def state(self) -> np.ndarray:
        return np.concatenate([self._observation(i) for i in range(len(self.possible_agents))]).astype(np.float32)

    def close(self) -> None:
        self._end_episode()
        if self.attach and not self.dismiss_on_close and self._endpoint is not None and self._healthy:
            _HANDED_OVER[self.endpoint_address] = self._endpoint
            self._endpoint = None
        if self.attach and self.dismiss_on_close and self._endpoint is not None and self._healthy:
            self._dismiss_next_simulator()
        if self._endpoint is not None:
            self._endpoint.close()
            self._endpoint = None
        self.agents = []

    # -- helpers ---------------------------------------------------------------------------------------------

    def qos(self) -> np.ndarray:
        """Per-DU, per-slice QoS level in [0, 1] of the last control period (see reward.py)."""
        return qos_levels(self.kpis, self.scenario)

    def _receive_observation(self) -> bool:
        liveness = self._process.check_alive if self._process else None
        message = self._endpoint.receive(("obs",), liveness=liveness)
        kpis = np.asarray(message["kpis"], dtype=np.float64) if _is_table(message["kpis"]) else None
        expected = (len(self.possible_agents), NUM_SLICES, NUM_KPIS)
        if kpis is None or kpis.shape != expected or not np.all(np.isfinite(kpis)):
            self._endpoint.reply("error", message=f"kpis must be a finite {expected} table")
            raise ProtocolError(f"simulator sent a KPI table that is not a finite array of shape {expected}")
        self.kpis = kpis
        self.step_index = message["step"]
        self.time_s = message["time_s"]
        return bool(message["final"])

    def _check_description(self, ready: dict[str, Any]) -> None:
        problems = []
        if ready["agents"] != self.possible_agents:
            problems.append(f"agents {ready['agents']} != {self.possible_agents}")
        if ready["slices"] != list(SLICE_NAMES):
            problems.append(f"slices {ready['slices']} != {list(SLICE_NAMES)}")
        if ready["kpis"] != list(KPI_NAMES):
            problems.append(f"KPIs {ready['kpis']} != {list(KPI_NAMES)}")
        if ready["episode_steps"] != self.scenario.control.episode_steps:
            problems.append(f"episode_steps {ready['episode_steps']} != {self.scenario.control.episode_steps}")
        if problems:
            self._endpoint.reply("error", message="scenario description mismatch: " + "; ".join(problems))
            raise ProtocolError("simulator describes another scenario: " + "; ".join(problems))

    def _observation(self, du: int) -> np.ndarray:
        return np.concatenate([self.kpis[du].reshape(-1), self.shares[du]]).astype(np.float32)

    def _observations(self) -> dict[str, np.ndarray]:
        return {a: self._observation(i) for i, a in enumerate(self.agents)}

    def _infos(self, q: np.ndarray | None = None) -> dict[str, dict[str, Any]]:
        q = self.qos() if q is None else q
        return {
            a: {"step": self.step_index, "time_s": self.time_s, "kpis": self.kpis[i].copy(), "qos": q[i].copy(),
                "shares": self.shares[i].copy()}
            for i, a in enumerate(self.agents)
        }

    def _dismiss_next_simulator(self) -> None:
        """Attach mode: the simulator side restarts for every episode; tell the next one there is no more work,
        so that it exits cleanly (code 5) rather than by timeout."""
        try:
            self._endpoint.receive(("hello",), timeout_s=self.connect_timeout_s)
            self._endpoint.reply("stop", reason="no more episodes")
        except BridgeError:
            pass  # nobody came back: nothing to dismiss

    def _end_episode(self) -> None:
        """Ends the current simulator run, if any, and leaves no process behind."""
        if self._endpoint is not None and self._endpoint.owes_reply:
            try:
                self._endpoint.reply("stop", reason="episode over")
            except Exception:  # noqa: BLE001 - the socket may be in any state after a failure; we are closing
                pass
        if self._process is not None:
            self._process.wait(timeout_s=5.0)  # a stopped simulator exits at once; any other is killed here
            self._process.kill()
            self._process = None


def _is_table(value: Any) -> bool:
    try:
        np.asarray(value, dtype=np.float64)
        return True
    except (ValueError, TypeError):
        return False
