"""Scenario speed: simulated seconds per wall second of the ns-3 scenario on one core, per RAN backend (nr, lte),
with and without jemalloc; and the set-up time of ns-3 itself (scripts/build-ns3.sh, warm: the cached build).

Run:  .venv/bin/python benchmarks/scenario_speed.py [--scenarios small,paper] [--backends nr,lte]
      [--paper-steps 1,6] [--paper-repeats 2]   (paper scale takes tens of wall s per simulated s: long)

What: the standalone binary (--scenario/--seed/--shares/--out: one episode with fixed shares applied inside ns-3,
no bridge), pinned to CPU 0 with `taskset -c 0` when taskset exists, with LD_PRELOAD of Debian's
libjemalloc.so.2 and without it. Each scenario runs at two episode lengths, short and long (same seed, so the long
run repeats the short one and goes on):
  - total speed  = simulated time / wall time of each run, process start to exit (build, attach, warm-up included);
  - steady speed = (long - short simulated time) / (long - short wall time): the extra control periods alone,
    with all UEs attached and traffic flowing;
  - start-up     = wall of the short run minus its control periods at the steady speed: process start, topology
    build, the warm-up (attach; traffic starts half-way through it) and the end of the run.
CPU seconds (user + sys, from wait4) are reported next to wall seconds: on a shared machine wall time also
counts waiting for the core, CPU time does not. Runs are interleaved (jemalloc on/off alternate); the table
shows medians over the repeats (peak RSS: the largest of the long runs), and the jemalloc speed-up (steady speed
with / without, by wall and by CPU time).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from pamrl.bridge.protocol import SLICE_NAMES
from pamrl.bridge.scenario import load_scenario
from pamrl.bridge.simulator import allocator_env, find_simulator_binary, jemalloc_path


def run_once(binary: Path, resolved: Path, seed: int, shares: str, jemalloc: bool,
             core: int = 0, huge_pages: bool = True) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of one standalone episode, pinned to `core`; with jemalloc,
    its heap on huge pages unless `huge_pages` is false (pamrl.bridge.simulator.allocator_env)."""
    argv = [str(binary), f"--scenario={resolved}", f"--seed={seed}", f"--shares={shares}",
            f"--out={resolved.with_suffix('.out.json')}"]
    if shutil.which("taskset"):
        argv = ["taskset", "-c", str(core), *argv]
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    env.update(allocator_env(jemalloc, huge_pages))
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, cwd=tempfile.gettempdir())
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} exited with {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenarios", default="small,paper", help="comma-separated names or files")
    parser.add_argument("--small-steps", default="5,30", help="short,long episode steps for non-paper scenarios")
    parser.add_argument("--paper-steps", default="1,6", help="short,long episode steps for the paper scenario")
    parser.add_argument("--repeats", type=int, default=3, help="runs per (length, allocator), non-paper scenarios")
    parser.add_argument("--paper-repeats", type=int, default=2, help="runs per (length, allocator), paper scenario")
    parser.add_argument("--seed", type=int, default=2, help="ns-3 RngRun")
    parser.add_argument("--shares", default="0.5,0.3,0.2")
    parser.add_argument("--backends", default="nr,lte", help="RAN backends to run each scenario on")
    parser.add_argument("--no-jemalloc-off", action="store_true", help="only runs with jemalloc (halves the time)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    prefix = subprocess.run([str(Path(__file__).resolve().parents[1] / "scripts" / "build-ns3.sh")],
                            capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    print(f"ns-3 set-up, warm (scripts/build-ns3.sh with its cache): {time.perf_counter() - t0:.1f} s -> {prefix}")
    if not jemalloc_path():
        raise SystemExit("libjemalloc.so.2 not found (apt-get install libjemalloc2)")

    with tempfile.TemporaryDirectory(prefix="pamrl-speed-") as folder:
        run(args, Path(folder))


def run(args: argparse.Namespace, tmp: Path) -> None:
    # A copy taken now, and all scenario files resolved now: a rebuild during the run changes nothing.
    binary = Path(shutil.copy2(find_simulator_binary(), tmp / "pamrl-slicing-scenario"))
    print(f"simulator: copy of {find_simulator_binary()} (modified {time.ctime(binary.stat().st_mtime)}); "
          f"taskset: {'-c 0' if shutil.which('taskset') else 'not found, not pinned'}; jemalloc: {jemalloc_path()}")
    scenarios = []
    for name in args.scenarios.split(","):
        for backend in args.backends.split(","):
            base = load_scenario(name)
            scenarios.append(base.model_copy(update={"name": f"{base.name}/{backend}",
                                                     "ran": base.ran.model_copy(update={"backend": backend})}))
    steps_of = {s.name: [int(x) for x in (args.paper_steps if s.name.startswith("paper") else args.small_steps).split(",")]
                for s in scenarios}
    files = {}
    for scenario in scenarios:
        for n in steps_of[scenario.name]:
            d = scenario.to_simulator()
            d["control"]["episode_steps"] = n
            files[scenario.name, n] = tmp / f"{scenario.name.replace('/', '-')}-{n}.json"
            files[scenario.name, n].write_text(json.dumps(d))

    rows = []
    for scenario in scenarios:
        steps = steps_of[scenario.name]
        period_s, warmup_s = scenario.control.period_ms / 1000, scenario.control.warmup_ms / 1000
        ues = scenario.ran.num_dus * sum(scenario.slice(s).ues_per_du for s in SLICE_NAMES)
        print(f"{scenario.name}: {scenario.ran.num_dus} DUs, {ues} UEs, {scenario.ran.bandwidth_rbs} RBs; "
              f"warm-up {warmup_s:g} s, episodes of {steps} x {period_s:g} s", flush=True)
        runs: dict[tuple[int, bool], list[tuple[float, float, int]]] = {}
        for r in range(args.paper_repeats if scenario.name.startswith("paper") else args.repeats):
            for n in steps:
                allocators = (True,) if args.no_jemalloc_off else ((True, False) if r % 2 == 0 else (False, True))
                for jemalloc in allocators:
                    result = run_once(binary, files[scenario.name, n], args.seed, args.shares, jemalloc)
                    runs.setdefault((n, jemalloc), []).append(result)
                    print(f"  {n:3d} steps, jemalloc {'on ' if jemalloc else 'off'}: {result[0]:7.2f} s wall, "
                          f"{result[1]:7.2f} s CPU, {result[2]} MiB", flush=True)
        short, long = steps
        for jemalloc in ((True,) if args.no_jemalloc_off else (True, False)):
            med = {n: [statistics.median(x[i] for x in runs[(n, jemalloc)]) for i in range(3)] for n in steps}
            sim = {n: warmup_s + n * period_s for n in steps}
            steady_wall = (sim[long] - sim[short]) / (med[long][0] - med[short][0])
            steady_cpu = (sim[long] - sim[short]) / (med[long][1] - med[short][1])
            startup = med[short][0] - short * period_s / steady_wall
            rows.append((scenario.name, jemalloc, sim[short] / med[short][0], sim[long] / med[long][0],
                         steady_wall, steady_cpu, startup, max(x[2] for x in runs[(long, jemalloc)])))

    print("\nsimulated s per wall s, one core (medians); steady = extra control periods of the long run only")
    print(f"{'scenario':14} {'jemalloc':8} {'short run':>10} {'long run':>10} {'steady':>10} {'steady/CPU':>11} "
          f"{'wall s per sim s':>17} {'start-up s':>11} {'peak MiB':>9}")
    for name, jemalloc, short_speed, long_speed, steady, steady_cpu, startup, rss in rows:
        print(f"{name:14} {'on' if jemalloc else 'off':8} {short_speed:10.3f} {long_speed:10.3f} {steady:10.3f} "
              f"{steady_cpu:11.3f} {1 / steady:17.1f} {startup:11.1f} {rss:9d}")
    for name in dict.fromkeys(r[0] for r in rows):
        if args.no_jemalloc_off:
            break
        on, off = (next(r for r in rows if r[0] == name and r[1] == j) for j in (True, False))
        print(f"{name}: jemalloc speed-up, steady {on[4] / off[4]:.2f}x (by CPU time {on[5] / off[5]:.2f}x), "
              f"long run {on[3] / off[3]:.2f}x")
    steady = {(r[0], r[1]): r[4] for r in rows}
    for name in dict.fromkeys(r[0].split("/")[0] for r in rows):
        if (f"{name}/nr", True) in steady and (f"{name}/lte", True) in steady:
            print(f"{name}: nr runs at {steady[f'{name}/nr', True] / steady[f'{name}/lte', True]:.2f}x the speed of lte "
                  f"(steady, jemalloc, same run)")


if __name__ == "__main__":
    main()
