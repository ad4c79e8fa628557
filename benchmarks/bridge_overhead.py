"""Bridge overhead: what driving ns-3 from Python over ZeroMQ costs, against no bridge at all.

Run:  .venv/bin/python benchmarks/bridge_overhead.py [--scenario small] [--steps 50] [--repeats 9]
      (defaults take about 2-3 minutes on a 2-core VM; nothing is pinned to a core)

Part 1, whole episode. One episode of the scenario (100 ms period by default) with fixed shares, run
  (a) driven step by step from Python through SlicingEnv (spawn mode: starts the simulator, handshake, one
      obs/act exchange per step, stop, process exit), timed from env.reset() to the return of the final
      env.step() (which waits for the simulator to exit);
  (b) standalone: the same binary with --scenario/--seed/--shares/--out (fixed shares applied inside ns-3, no
      ZeroMQ), timed from spawn to exit.
  Same scenario, same ns-3 RngRun (env seed s -> RngRun s + 1), the shares also serve as initial_shares so the
  warm-up is the same too, jemalloc preloaded on both sides (SlicingEnv's default). The script checks that both
  runs produced the same KPI tables. Repeats are interleaved a/b/a/b...; reported: median of the per-pair
  wall-time ratios a/b (goal <= 1.02); the same for CPU seconds (user + sys of this process and its children,
  from getrusage: less sensitive than wall time to other work on a shared machine); and the implied bridge cost
  per step ((median a - median b) / observations; noisy).

Part 2, per-step round trip with (almost) no simulation in between, against raw ZeroMQ.
  - raw ZeroMQ: a pyzmq REP socket here, a pyzmq REQ socket in a child process, over an ipc:// path in the temp
    folder; the child sends a frame of the size of an "obs" frame, we answer with a frame of the size of an
    "act" frame. Measured here, like the agent: from send(reply) to the return of the next recv().
    Done at two request sizes: a real obs frame of part 1 (re-encoded with protocol.encode) and the obs frames
    actually exchanged in the bridge measurement below (mostly-zero KPIs, so shorter).
  - bridge, endpoint: the real simulator binary, driven through AgentEndpoint (the agent end of the bridge)
    with the scenario's control period set to 0.001 ms after the normal warm-up, so that between two
    observations ns-3 runs (almost) no events: what remains is the simulator's per-step work that the
    standalone run also does (collect the KPI table, apply the shares, one scheduler event) plus the whole
    bridge: Python encode + send of "act", ZeroMQ, C++ decode + validation, C++ encode of "obs", ZeroMQ,
    Python poll + receive + decode + validation. Measured: AgentEndpoint.reply("act") + receive(("obs",)).
    (ns-3 currently truncates fractional periods to whole ms, so the period is in fact 0: every step is at the
    same simulated instant; with a 1 us period one step in 1000 would cross a 1 ms TTI.)
  - bridge, env.step: the same, through SlicingEnv.step() (adds the simplex projection, the reward, the
    observation dicts and infos on the Python side).
  - Python codec alone (no I/O): protocol.encode("act") and protocol.decode() of a real obs frame of part 1,
    timed one call at a time, to show the Python share of the bridge round trip.
  Rounds are interleaved bridge/raw/raw/env; the first 100 exchanges of each run are dropped as warm-up.
  Reported: median, p99 and mean per exchange over all rounds, bridge median / raw median (goal <= 1.5, against
  raw at the bridge's own frame sizes), that ratio round by round, and the part 1 ratio a/b that the median
  SlicingEnv.step cost implies (1 + observations x step cost / standalone wall), a steadier estimate than the
  part 1 measurement itself when other work shares the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

import numpy as np
import zmq

from pamrl.bridge import protocol
from pamrl.bridge.endpoint import AgentEndpoint
from pamrl.bridge.env import SlicingEnv, default_endpoint
from pamrl.bridge.scenario import load_scenario
from pamrl.bridge.simulator import SimulatorProcess, allocator_env, find_simulator_binary

WARMUP_EXCHANGES = 100
# A copy of the simulator binary taken at start (see snapshot_binary): a rebuild during the run changes nothing.
SIMULATOR: Path | None = None

RAW_REQ_CHILD = """
import sys, zmq
address, size, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = zmq.Context().socket(zmq.REQ)
s.connect(address)
frame = b"x" * size
for _ in range(count):
    s.send(frame)
    s.recv()
"""


def snapshot_binary(folder: Path) -> Path:
    global SIMULATOR
    SIMULATOR = Path(shutil.copy2(find_simulator_binary(), folder / "pamrl-slicing-scenario"))
    return SIMULATOR


def with_control(scenario, **control):
    """The scenario with some control fields changed (model_copy: no validation, so sub-ms periods pass)."""
    return scenario.model_copy(update={"control": scenario.control.model_copy(update=control)})


# -- part 1: whole episode ---------------------------------------------------------------------------------


def cpu_seconds() -> float:
    """CPU time (user + sys) of this process and of its children that have exited and been waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_env_episode(scenario, seed: int, shares: list[float]) -> tuple[float, float, list[np.ndarray]]:
    env = SlicingEnv(scenario, simulator=SIMULATOR)
    try:
        t0, c0 = time.perf_counter(), cpu_seconds()
        env.reset(seed=seed)
        tables = [env.kpis.copy()]
        while env.agents:
            env.step({a: shares for a in env.agents})
            tables.append(env.kpis.copy())
        return time.perf_counter() - t0, cpu_seconds() - c0, tables
    finally:
        env.close()


def run_standalone_episode(resolved: Path, seed: int, shares: list[float], out: Path) -> tuple[float, float, list[np.ndarray]]:
    argv = [str(SIMULATOR), f"--scenario={resolved}", f"--seed={seed + 1}",
            f"--shares={','.join(repr(x) for x in shares)}", f"--out={out}"]
    env = dict(os.environ, **allocator_env())  # as SlicingEnv starts its simulator
    t0, c0 = time.perf_counter(), cpu_seconds()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, cwd=tempfile.gettempdir())
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    return wall, cpu, [np.asarray(e["kpis"], dtype=np.float64) for e in json.loads(out.read_text())]


# -- part 2: per-exchange round trip -------------------------------------------------------------------------


def raw_pingpong(request_bytes: int, reply: bytes, count: int) -> np.ndarray:
    address = default_endpoint()
    sock = zmq.Context.instance().socket(zmq.REP)
    sock.bind(address)
    child = subprocess.Popen([sys.executable, "-c", RAW_REQ_CHILD, address, str(request_bytes), str(count)])
    times = np.empty(count - 1)
    try:
        sock.recv()
        for i in range(count - 1):
            t0 = time.perf_counter()
            sock.send(reply)
            sock.recv()
            times[i] = time.perf_counter() - t0
        sock.send(reply)
        child.wait(timeout=30)
    finally:
        child.kill()
        sock.close(linger=0)
        os.unlink(address[len("ipc://"):])
    return times[WARMUP_EXCHANGES:]


def bridge_endpoint_pingpong(tiny, seed: int, shares: list[float]) -> tuple[np.ndarray, int]:
    """Per exchange: AgentEndpoint.reply("act") + receive(("obs",)) against the real simulator."""
    address = default_endpoint()
    endpoint = AgentEndpoint(address, timeout_s=60)
    proc = SimulatorProcess([str(SIMULATOR), f"--connect={address}"])
    try:
        endpoint.receive(("hello",))
        endpoint.reply("setup", scenario=tiny.to_simulator(), seed=seed + 1)
        ready = endpoint.receive(("ready",))
        endpoint.reply("ack")
        obs = endpoint.receive(("obs",))
        act = [shares] * len(ready["agents"])
        times, sizes = [], []
        while not obs["final"]:
            t0 = time.perf_counter()
            endpoint.reply("act", shares=act)
            obs = endpoint.receive(("obs",))
            times.append(time.perf_counter() - t0)
            sizes.append(len(protocol.encode("obs", **{k: obs[k] for k in ("step", "time_s", "final", "kpis")})))
        endpoint.reply("stop", reason="benchmark done")
        proc.wait(timeout_s=10)
    finally:
        proc.kill()
        endpoint.close()
    return np.asarray(times[WARMUP_EXCHANGES:]), int(np.median(sizes))


def env_step_pingpong(tiny, seed: int, shares: list[float]) -> np.ndarray:
    env = SlicingEnv(tiny, simulator=SIMULATOR)
    try:
        env.reset(seed=seed)
        times = []
        while env.agents:
            actions = {a: shares for a in env.agents}
            t0 = time.perf_counter()
            env.step(actions)
            times.append(time.perf_counter() - t0)
    finally:
        env.close()
    return np.asarray(times[WARMUP_EXCHANGES:-1])  # the last step also waits for the simulator to exit


def describe(times: np.ndarray) -> tuple[float, float, float]:
    us = times * 1e6
    return float(np.median(us)), float(np.percentile(us, 99)), float(us.mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", default="small", help="scenario name or file (default: small)")
    parser.add_argument("--steps", type=int, default=50, help="episode steps in part 1 (default 50)")
    parser.add_argument("--period-ms", type=float, default=100.0, help="control period in part 1 (default 100)")
    parser.add_argument("--repeats", type=int, default=9, help="a/b pairs in part 1 (default 9)")
    parser.add_argument("--exchanges", type=int, default=3000, help="exchanges per run in part 2 (default 3000)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds in part 2 (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shares", default="0.5,0.3,0.2")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pamrl-bench-") as folder:
        run(args, Path(folder))


def run(args: argparse.Namespace, tmp: Path) -> None:
    shares = [float(x) for x in args.shares.split(",")]
    base = load_scenario(args.scenario)
    scenario = with_control(base, episode_steps=args.steps, period_ms=args.period_ms, initial_shares=tuple(shares))
    print(f"simulator: copy of {find_simulator_binary()} (modified {time.ctime(snapshot_binary(tmp).stat().st_mtime)})")
    resolved = tmp / "resolved.json"
    resolved.write_text(json.dumps(scenario.to_simulator()))
    sim_s = (scenario.control.warmup_ms + args.steps * args.period_ms) / 1000

    print(f"part 1: {scenario.name}, {args.steps} steps x {args.period_ms:g} ms (+{scenario.control.warmup_ms:g} ms "
          f"warm-up) = {sim_s:g} s simulated, shares {shares}, seed {args.seed}, {args.repeats} a/b pairs")
    walls_a, walls_b, ratios, cpu_ratios = [], [], [], []
    same = True
    obs_bytes = 0
    for r in range(args.repeats):
        wa, ca, tables_a = run_env_episode(scenario, args.seed, shares)
        wb, cb, tables_b = run_standalone_episode(resolved, args.seed, shares, tmp / "standalone.json")
        same &= len(tables_a) == len(tables_b) and all(np.allclose(x, y, rtol=1e-12, atol=0) for x, y in zip(tables_a, tables_b))
        obs_bytes = max(obs_bytes, *(len(protocol.encode("obs", step=0, time_s=sim_s, final=False, kpis=t.tolist())) for t in tables_a))
        walls_a.append(wa)
        walls_b.append(wb)
        ratios.append(wa / wb)
        cpu_ratios.append(ca / cb)
        print(f"  pair {r + 1}: wall (a) SlicingEnv {wa:6.3f} s, (b) standalone {wb:6.3f} s, a/b {wa / wb:.4f};   "
              f"CPU (a) {ca:6.3f} s, (b) {cb:6.3f} s, a/b {ca / cb:.4f}", flush=True)
    med_a, med_b, med_ratio = statistics.median(walls_a), statistics.median(walls_b), statistics.median(ratios)
    print(f"  same KPI tables in (a) and (b): {'yes' if same else 'NO'}")
    print(f"  median (a) {med_a:.3f} s, median (b) {med_b:.3f} s, median a/b {med_ratio:.4f} "
          f"(min {min(ratios):.4f}, max {max(ratios):.4f}; goal <= 1.02) -> {'met' if med_ratio <= 1.02 else 'NOT met'}")
    print(f"  median CPU a/b {statistics.median(cpu_ratios):.4f} (min {min(cpu_ratios):.4f}, max {max(cpu_ratios):.4f})")
    print(f"  implied bridge cost per step (median a - median b) / {args.steps + 1} obs: "
          f"{(med_a - med_b) / (args.steps + 1) * 1e3:.2f} ms; simulation speed (b): {sim_s / med_b:.3f} sim s / wall s")

    tiny = with_control(scenario, episode_steps=args.exchanges, period_ms=0.001)
    act_bytes = len(protocol.encode("act", shares=[shares] * scenario.ran.num_dus))
    samples: dict[str, list[np.ndarray]] = {}
    tiny_obs_bytes = None
    round_ratios = []
    print(f"\npart 2: {args.rounds} rounds x {args.exchanges} exchanges, act frame {act_bytes} B, "
          f"real obs frame {obs_bytes} B", flush=True)
    for _ in range(args.rounds):
        bridge, tiny_obs_bytes = bridge_endpoint_pingpong(tiny, args.seed, shares)
        samples.setdefault("bridge: AgentEndpoint reply+receive", []).append(bridge)
        samples.setdefault(f"raw pyzmq REQ/REP, {obs_bytes} B / {act_bytes} B", []).append(
            raw_pingpong(obs_bytes, b"x" * act_bytes, args.exchanges))
        raw = raw_pingpong(tiny_obs_bytes, b"x" * act_bytes, args.exchanges)
        samples.setdefault(f"raw pyzmq REQ/REP, {tiny_obs_bytes} B / {act_bytes} B", []).append(raw)
        round_ratios.append(float(np.median(bridge) / np.median(raw)))
        samples.setdefault("bridge: SlicingEnv.step", []).append(env_step_pingpong(tiny, args.seed, shares))
    stats = {name: describe(np.concatenate(runs)) for name, runs in samples.items()}
    # The Python share of the bridge's work, in isolation: encode the act frame, decode + validate an obs frame.
    obs_frame = protocol.encode("obs", step=1, time_s=0.3, final=False, kpis=tables_a[-1].tolist())
    act = [shares] * scenario.ran.num_dus
    for label, fn in (("  of which Python encode(act)", lambda: protocol.encode("act", shares=act)),
                      (f"  of which Python decode(obs {len(obs_frame)} B)", lambda: protocol.decode(obs_frame))):
        runs = np.asarray(timeit.repeat(fn, number=1, repeat=args.exchanges)[WARMUP_EXCHANGES:])
        stats[label] = describe(runs)
    raw_same = stats[f"raw pyzmq REQ/REP, {tiny_obs_bytes} B / {act_bytes} B"][0]
    print(f"  (bridge obs frames in this part: median {tiny_obs_bytes} B, as re-encoded by protocol.encode)")
    print(f"  {'per exchange, as seen by the agent':44} {'median us':>10} {'p99 us':>10} {'mean us':>10} {'/ raw median':>13}")
    for name, (median, p99, mean) in stats.items():
        print(f"  {name:44} {median:10.1f} {p99:10.1f} {mean:10.1f} {median / raw_same:13.2f}")
    endpoint_ratio = stats["bridge: AgentEndpoint reply+receive"][0] / raw_same
    print(f"  bridge round trip / raw ZeroMQ (medians, same frame sizes): {endpoint_ratio:.2f} (goal <= 1.5) -> "
          f"{'met' if endpoint_ratio <= 1.5 else 'NOT met'}; per round: {', '.join(f'{r:.2f}' for r in round_ratios)}")
    per_step = stats["bridge: SlicingEnv.step"][0] * 1e-6
    print(f"  part 1 ratio a/b implied by the SlicingEnv.step median: 1 + {args.steps + 1} x {per_step * 1e3:.3f} ms / "
          f"{med_b:.3f} s = {1 + (args.steps + 1) * per_step / med_b:.4f} (spawn and handshake not included)")


if __name__ == "__main__":
    main()
