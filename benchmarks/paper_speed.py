"""Paper-scale speed, lever by lever: simulated seconds per wall second of each configuration on one core,
and its ratio to ns-3's defaults measured in the same run.

Run:  .venv/bin/python benchmarks/paper_speed.py [--steps 1,4] [--repeats 2] [--configs all]
      .venv/bin/python benchmarks/paper_speed.py --configs nr-tdd,nr-fdd-deliver,nr-fdd --steps 1,3 --repeats 1
      (defaults take about 10 minutes on a 2-core VM)
      .venv/bin/python benchmarks/paper_speed.py --instructions [--steps 1,3] [--configs ...]
      (instruction counts under callgrind instead of wall time: deterministic; ~10 minutes per run at paper scale)
      .venv/bin/python benchmarks/paper_speed.py --against-unpatched --configs lean [--instructions]
      (our ns-3 patch series against ns-3 and nr as released: every configuration also runs on a simulator built
      against the unpatched ns-3, which is built once per machine; ratios are then per configuration, patched
      against unpatched, and the KPIs of the two builds are compared value for value)
      .venv/bin/python benchmarks/paper_speed.py --against /tmp/old/pamrl-slicing-scenario --configs lean
      (the same comparison against another build of the simulator, e.g. one from before a change; a build from
      after 2026-12-02 takes --against-scheduler priority-queue, so that both run the same event list)
      .venv/bin/python benchmarks/paper_speed.py --against OTHER --against-scheduler priority-queue --paired
      (each configuration's two builds run at the same time, one per core, cores swapped every repeat: both see
      the same state of the host, which on our VM drifts by up to 2x between runs; ratios are then per pair)
      .venv/bin/python benchmarks/paper_speed.py --against-small-pages --paired --configs lean,nr-lean
      (the same binary with jemalloc's heap on 4 KiB pages instead of huge pages, pamrl.bridge.simulator.allocator_env)

What: the standalone binary (one episode, fixed shares applied inside ns-3, no bridge), pinned to CPU 0 with
`taskset -c 0` when taskset exists, jemalloc preloaded with its heap on huge pages (as training runs it), on the paper scenario (6 DUs, 198 UEs, 100 RBs) with
the settings of each configuration below. Each configuration runs a short and a long episode (same seed);
steady speed = (long - short simulated time) / (long - short wall time): the extra control periods alone, with
all UEs attached and traffic flowing. Runs are interleaved (configurations alternate within a repeat) so that
drift of the shared machine hits all of them alike; the table shows medians over the repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from pamrl.bridge.scenario import Scenario, load_scenario
from pamrl.bridge.simulator import allocator_env, jemalloc_path

from scenario_speed import run_once

# (label, catalog name, ran settings on top of it). Ratios are against the first configuration of the same backend
# (ns3-defaults for LTE, nr-tdd for NR); --configs picks a subset.
LTE = {"backend": "lte"}
# The LTE steps measured before a UE left its unread control frames out of its interference (2026-12-03).
LTE_CTRL_KEPT = {**LTE, "lte_ue_skips_unread_ctrl_interference": False}
# The NR steps measured before these settings (each needs the one before it).
NR_CHECKED = {"nr_check_allocations": True}  # (2026-12-03, third sitting)
NR_EVERY_MIB = {**NR_CHECKED, "nr_ue_skips_unchanged_mib": False}  # (2026-12-03)
NR_CTRL_PSD = {**NR_EVERY_MIB, "nr_skip_unread_ctrl_psd": False}
NR_CTRL_INTERFERENCE = {**NR_CTRL_PSD, "nr_ue_skips_ctrl_interference": False}
NR_NEIGHBOUR_CTRL = {**NR_CTRL_INTERFERENCE, "nr_neighbour_ctrl_frames": True}
NR_CTRL_IN_DATA = {**NR_NEIGHBOUR_CTRL, "nr_ue_data_interference_omits_dl_ctrl": False}
CONFIGS = {
    "ns3-defaults": ("paper", {**LTE, "spectrum_channel": "multi-model", "cqi_period_ms": 1}),
    "full": ("paper", LTE),  # + our batched spectrum channel (bit-identical KPIs)
    # + lean UL/control settings, CQI every TTI, every control frame delivered
    "lean-cqi1": ("paper+lean", {**LTE_CTRL_KEPT, "cqi_period_ms": 1, "neighbour_ctrl_frames": True}),
    "lean-all-ctrl": ("paper+lean", {**LTE_CTRL_KEPT, "neighbour_ctrl_frames": True}),  # + CQI every 5 ms
    # + other cells' control frames only in PSS subframes; each signal delivered alone
    "lean-unsummed": ("paper+lean", {**LTE_CTRL_KEPT, "lte_sum_other_cells": False, "path_loss_refresh_ms": 0}),
    "lean-exact-loss": ("paper+lean", {**LTE_CTRL_KEPT, "path_loss_refresh_ms": 0}),  # path loss from positions at every signal
    # + other cells' data frames summed, path loss every 10 ms; every UE gets every DL data frame
    "lean-all-dl": ("paper+lean", {**LTE_CTRL_KEPT, "lte_skip_unread_dl_data": False}),
    # + DL data frames only to the UEs that read them (on ns-3's priority-queue event list)
    "lean-priority-queue": ("paper+lean", {**LTE_CTRL_KEPT, "event_scheduler": "priority-queue"}),
    "lean-ctrl-kept": ("paper+lean", LTE_CTRL_KEPT),  # + our event list (buckets)
    # + a UE's control frames left out of its interference when unread: +lean as shipped
    "lean": ("paper+lean", LTE),
    "lean-cqi10": ("paper+lean", {**LTE, "cqi_period_ms": 10}),  # outside the KPI tolerance
    "lean-map": ("paper+lean", {**LTE, "event_scheduler": "map"}),  # ns-3's default event list (same KPIs)
    # NR (docs/nr.md): TDD with nr's all-flexible slots (the default), FDD delivering every signal, FDD as shipped
    # (signals nobody decodes left out: same KPIs)
    "nr-tdd": ("paper", {}),
    "nr-fdd-deliver": ("paper+fdd", {"nr_fdd_same_side_links": "deliver"}),
    "nr-fdd": ("paper+fdd", {}),
    # TDD with cross-link interference (UE-UE, gNB-gNB) left out, a modelling shortcut; each signal delivered alone
    "nr-lean-unsummed": ("paper+lean", {**NR_CTRL_IN_DATA, "nr_sum_other_cells": False, "path_loss_refresh_ms": 0}),
    # + summed, path loss at every signal
    "nr-lean-exact-loss": ("paper+lean", {**NR_CTRL_IN_DATA, "path_loss_refresh_ms": 0}),
    # + the signals a receiver does not decode summed into one per instant (KPIs move by rounding)
    "nr-lean-all-dl": ("paper+lean", {**NR_CTRL_IN_DATA, "nr_skip_unread_dl_data": False}),
    # + others' DL data only to UEs that receive data in the slot
    "nr-lean-ctrl-in-data": ("paper+lean", NR_CTRL_IN_DATA),
    "nr-lean-neighbour-ctrl": ("paper+lean", NR_NEIGHBOUR_CTRL),  # + DL control frames left out of a UE's data interference
    "nr-lean-ctrl-interference": ("paper+lean", NR_CTRL_INTERFERENCE),  # + other cells' control frames without PSS not to UEs
    "nr-lean-ctrl-psd": ("paper+lean", NR_CTRL_PSD),  # + UEs keep no control-channel interference
    # + control frames without PSS reach UEs unscaled (on ns-3's priority-queue event list)
    "nr-lean-priority-queue": ("paper+lean", {**NR_EVERY_MIB, "event_scheduler": "priority-queue"}),
    "nr-lean-every-mib": ("paper+lean", NR_EVERY_MIB),  # + our event list (buckets)
    "nr-lean-checked": ("paper+lean", NR_CHECKED),  # + a MIB that changes nothing leaves the UE's PHY alone
    # + the scheduler's per-slot allocation check (an assert) skipped: +lean as shipped
    "nr-lean": ("paper+lean", {}),
}


UNPATCHED = "@unpatched"  # suffix of a run on the simulator built against the unpatched ns-3
AGAINST = "@against"  # suffix of a run on the simulator given by --against
SMALL_PAGES = "@4k-pages"  # suffix of a run on our simulator with jemalloc's heap on 4 KiB pages
COMPARISONS = (UNPATCHED, AGAINST, SMALL_PAGES)


def build_of(run: str) -> str:
    """The build a run used: "" for ours, UNPATCHED for the one without our patch series, AGAINST for --against,
    SMALL_PAGES for ours on 4 KiB pages."""
    return run[run.index("@"):] if "@" in run else ""


def baseline_of(run: str, runs: list[str]) -> str:
    """What a run's ratio is against: the same configuration on the comparison build when that was run, else the
    first configuration on the same backend and build."""
    label, at, build = run.partition("@")
    for other in COMPARISONS:
        if not at and label + other in runs:
            return label + other
    backend = configured(*CONFIGS[label]).ran.backend
    return next(other for other in runs if other.partition("@")[2] == build
                and configured(*CONFIGS[other.partition("@")[0]]).ran.backend == backend)


def same_kpis(files: dict, runs: list[str], lengths: tuple[int, int]) -> None:
    """Prints, per configuration run on both builds, whether the two builds' per-step KPIs are identical."""
    for run in runs:
        for other, words in ((UNPATCHED, "patched vs unpatched build"), (AGAINST, "this build vs --against"),
                             (SMALL_PAGES, "huge vs 4 KiB pages")):
            if "@" in run or run + other not in runs:
                continue
            equal = all(json.loads(files[run, n].with_suffix(".out.json").read_text())
                        == json.loads(files[run + other, n].with_suffix(".out.json").read_text()) for n in lengths)
            print(f"KPIs of {run}, {words}, {' and '.join(map(str, lengths))} steps: "
                  f"{'identical' if equal else 'DIFFERENT'}")


def configured(name: str, ran: dict) -> Scenario:
    scenario = load_scenario(name)
    return scenario.model_copy(update={"ran": scenario.ran.model_copy(update=ran)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", default="1,4", help="short,long episode steps")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--configs", default="all", help=f"comma-separated subset of {', '.join(CONFIGS)}")
    parser.add_argument("--seed", type=int, default=1, help="ns-3 RngRun")
    parser.add_argument("--shares", default="0.5,0.3,0.2")
    parser.add_argument("--against-unpatched", action="store_true",
                        help="also run every configuration on ns-3 without our patch series (built once per machine)")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions under valgrind's callgrind instead of timing (deterministic: "
                             "immune to the noise of a shared VM, blind to memory stalls; ~40x slower, one run "
                             "per configuration and length, two at a time)")
    parser.add_argument("--against", type=Path,
                        help="also run every configuration on this simulator binary (e.g. a build from before a "
                             "change) and report ratios against it")
    parser.add_argument("--against-scheduler", default="map",
                        choices=["map", "priority-queue", "heap", "calendar", "buckets"],
                        help="event list for the --against build's runs (default map: a build from before "
                             "2026-12-02 ran ns-3's map whatever it was given)")
    parser.add_argument("--against-small-pages", action="store_true",
                        help="also run every configuration on this build with jemalloc's heap on 4 KiB pages "
                             "instead of huge pages")
    parser.add_argument("--paired", action="store_true",
                        help="run each configuration's two builds at the same time, one per core (needs "
                             "--against, --against-unpatched or --against-small-pages and two cores)")
    args = parser.parse_args()
    if sum(map(bool, (args.against_unpatched, args.against, args.against_small_pages))) > 1:
        parser.error("--against-unpatched, --against, --against-small-pages: one comparison at a time")
    if args.against and not args.against.is_file():
        parser.error(f"--against {args.against}: no such file")
    if args.paired and not (args.against or args.against_unpatched or args.against_small_pages):
        parser.error("--paired needs a second build: --against, --against-unpatched or --against-small-pages")
    if not jemalloc_path():
        raise SystemExit("libjemalloc.so.2 not found (apt-get install libjemalloc2)")
    labels = list(CONFIGS) if args.configs == "all" else args.configs.split(",")
    short, long = (int(x) for x in args.steps.split(","))

    from pamrl.bridge.simulator import find_simulator_binary

    binaries = {"": find_simulator_binary()}
    if args.against_unpatched:
        from unpatched_build import unpatched_simulator

        binaries[UNPATCHED] = unpatched_simulator()
    if args.against:
        binaries[AGAINST] = args.against.resolve()  # runs start elsewhere: a relative path would miss
    if args.against_small_pages:
        binaries[SMALL_PAGES] = binaries[""]
    runs = [label + build for label in labels for build in binaries]
    how = ("callgrind instruction counts" if args.instructions
           else "the two builds at once, one core each (taskset)" if args.paired else "one core (taskset -c 0)")
    print(f"simulator: {binaries['']}"
          + (f"; unpatched ns-3: {binaries[UNPATCHED]}" if args.against_unpatched else "")
          + (f"; against: {binaries[AGAINST]}" if AGAINST in binaries else "")
          + f"; {how}, jemalloc preloaded (MALLOC_CONF {allocator_env()['MALLOC_CONF']}"
          + (f", {allocator_env(huge_pages=False)['MALLOC_CONF']} for {SMALL_PAGES}" if args.against_small_pages else "")
          + f"); seed {args.seed}, shares {args.shares}")
    with tempfile.TemporaryDirectory(prefix="pamrl-paper-speed-") as folder:
        files, sim_s = {}, {}
        for label in runs:
            scenario = configured(*CONFIGS[label.partition("@")[0]])
            for n in (short, long):
                d = scenario.to_simulator()
                d["control"]["episode_steps"] = n
                if build_of(label) == AGAINST:
                    # A build from before 2026-12-02 knows only map, heap and calendar, and used ns-3's map whatever
                    # it was given (docs/speed.md, "The event list"): by default, give it the list it ran.
                    d["ran"]["event_scheduler"] = args.against_scheduler
                files[label, n] = Path(folder) / f"{label}-{n}.json"
                files[label, n].write_text(json.dumps(d))
                sim_s[label, n] = (scenario.control.warmup_ms + n * scenario.control.period_ms) / 1000
        if args.instructions:
            report_instructions(binaries, files, sim_s, runs, short, long, args)
            same_kpis(files, runs, (short, long))
            return
        walls: dict[tuple[str, int], list[float]] = {}
        if args.paired:
            run_paired(binaries, files, runs, (short, long), args, walls)
        for r in range(0 if args.paired else args.repeats):
            order = runs if r % 2 == 0 else runs[::-1]
            for label in order:
                for n in (short, long):
                    binary = binaries[build_of(label)]
                    wall, cpu, rss = run_once(binary, files[label, n], args.seed, args.shares, jemalloc=True,
                                              huge_pages=build_of(label) != SMALL_PAGES)
                    walls.setdefault((label, n), []).append(wall)
                    print(f"  {label:23} {n:2d} steps: {wall:7.2f} s wall, {cpu:7.2f} s CPU, {rss} MiB", flush=True)
        same_kpis(files, runs, (short, long))

    # Medians, and the fastest repeat of each length: on a shared VM other tenants only ever slow a run down, so
    # the fastest repeats are the least disturbed (the same binary has varied by 2x between repeats here).
    print("\npaper scale (6 DUs, 198 UEs, 100 RBs), one core; steady from the medians and from the fastest repeats")
    print(f"{'configuration':23} {'short run s':>11} {'long run s':>10} {'steady: sim s per wall s':>25} "
          f"{'wall s per sim s':>17} {'ratio':>8} {'fastest: steady':>16} {'ratio':>8}  against")
    steady = {label: (sim_s[label, long] - sim_s[label, short])
              / (statistics.median(walls[label, long]) - statistics.median(walls[label, short])) for label in runs}
    fastest = {label: (sim_s[label, long] - sim_s[label, short])
               / (min(walls[label, long]) - min(walls[label, short])) for label in runs}
    for label in runs:
        w_short = statistics.median(walls[label, short])
        w_long = statistics.median(walls[label, long])
        base = baseline_of(label, runs)
        print(f"{label:23} {w_short:11.2f} {w_long:10.2f} {steady[label]:25.4f} {1 / steady[label]:17.1f} "
              f"{steady[label] / steady[base]:7.2f}x {fastest[label]:16.4f} {fastest[label] / fastest[base]:7.2f}x"
              f"  {base}")


def run_paired(binaries: dict[str, Path], files: dict, runs: list[str], lengths: tuple[int, int],
               args: argparse.Namespace, walls: dict) -> None:
    """Each configuration's runs on our build and on the comparison build at the same time, one per core, the
    cores swapped every repeat. Prints a ratio per pair of steady times (long minus short run)."""
    from concurrent.futures import ThreadPoolExecutor

    ours = [label for label in runs if not build_of(label)]
    ratios: dict[str, list[float]] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for r in range(args.repeats):
            pair_walls = {}
            for label in ours:
                other = next(x for x in runs if x != label and x.partition("@")[0] == label)
                cores = {label: r % 2, other: (r + 1) % 2}
                for n in lengths:
                    futures = {run: pool.submit(run_once, binaries[build_of(run)], files[run, n], args.seed,
                                                args.shares, True, core, build_of(run) != SMALL_PAGES)
                               for run, core in cores.items()}
                    for run, future in futures.items():
                        wall, cpu, rss = future.result()
                        walls.setdefault((run, n), []).append(wall)
                        pair_walls[run, n] = wall
                        print(f"  {run:23} {n:2d} steps: {wall:7.2f} s wall, {cpu:7.2f} s CPU, {rss} MiB "
                              f"(core {cores[run]}, repeat {r + 1})", flush=True)
                steady = {run: pair_walls[run, lengths[1]] - pair_walls[run, lengths[0]] for run in (label, other)}
                ratios.setdefault(label, []).append(steady[other] / steady[label])
    print("\npaired: steady wall time of the comparison build over ours, per repeat (> 1: ours is faster)")
    for label, values in ratios.items():
        # A steady time <= 0 (runs too short for the noise) makes a ratio meaningless: longer runs then.
        geometric = (f", geometric mean {statistics.geometric_mean(values):.3f}" if min(values) > 0
                     else " (a steady time <= 0: use more steps)")
        print(f"  {label:23} " + " ".join(f"{v:.2f}" for v in values) + f"   mean {statistics.mean(values):.3f}"
              + geometric)


def count_instructions(binary: Path, resolved: Path, seed: int, shares: str) -> subprocess.Popen:
    """Starts one standalone episode under callgrind; its stderr ends with the instruction count."""
    argv = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={resolved.with_suffix('.callgrind')}",
            str(binary), f"--scenario={resolved}", f"--seed={seed}", f"--shares={shares}",
            f"--out={resolved.with_suffix('.out.json')}"]
    env = dict(os.environ, **allocator_env())  # pages do not change instruction counts
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            cwd=tempfile.gettempdir())


def report_instructions(binaries: dict[str, Path], files: dict, sim_s: dict, labels: list[str], short: int,
                        long: int, args: argparse.Namespace) -> None:
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind not found (apt-get install valgrind)")
    jobs = [(label, n) for label in labels for n in (short, long)]
    counts: dict[tuple[str, int], int] = {}
    parallel = max(1, min(2, os.cpu_count() or 1))
    for i in range(0, len(jobs), parallel):
        running = {job: count_instructions(binaries[build_of(job[0])],
                                           files[job], args.seed, args.shares) for job in jobs[i:i + parallel]}
        for job, proc in running.items():
            _, err = proc.communicate()
            found = re.search(r"Collected : (\d+)", err)
            if proc.returncode != 0 or not found:
                raise RuntimeError(f"callgrind run of {job} failed:\n{err[-2000:]}")
            counts[job] = int(found.group(1))
            print(f"  {job[0]:23} {job[1]:2d} steps: {counts[job] / 1e9:8.2f} G instructions", flush=True)
    print("\npaper scale (6 DUs, 198 UEs, 100 RBs), instructions (callgrind)")
    print(f"{'configuration':23} {'short run G':>11} {'long run G':>10} {'steady: G per sim s':>20} {'ratio':>8}  against")
    steady = {}
    for label in labels:
        steady[label] = (counts[label, long] - counts[label, short]) / (sim_s[label, long] - sim_s[label, short]) / 1e9
    for label in labels:
        base = baseline_of(label, labels)
        print(f"{label:23} {counts[label, short] / 1e9:11.2f} {counts[label, long] / 1e9:10.2f} "
              f"{steady[label]:20.2f} {steady[base] / steady[label]:7.2f}x  {base}")


if __name__ == "__main__":
    main()
