"""Parallel simulations on Ray: environment steps per second with 1, 2, ... simulations at once.

Each Ray task (one CPU) runs `--episodes` co-simulated episodes of the scenario under the equal-share policy
(simulator + environment, no learning, so the measure is the co-simulation itself). For k = 1..--max-workers,
k tasks run at once; throughput = total environment steps / wall time of the batch; scaling efficiency of k =
throughput(k) / (k x throughput(1)); goal >= 0.8 per added core.

Run:  .venv/bin/python benchmarks/parallel_scaling.py [--scenario small] [--episodes 3] [--max-workers N]
(default N: the CPUs of this machine; on a 2-core machine nothing else should run meanwhile)
"""

from __future__ import annotations

import argparse
import os
import time


def episodes_task(scenario: str, episodes: int, seed: int) -> int:
    import numpy as np

    from pamrl.bridge.env import SlicingEnv

    env = SlicingEnv(scenario)
    steps = 0
    try:
        for e in range(episodes):
            env.reset(seed=seed * 1000 + e)
            while env.agents:
                env.step({a: np.full(3, 1 / 3, np.float32) for a in env.agents})
                steps += 1
    finally:
        env.close()
    return steps


def main() -> None:
    import ray

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="small")
    ap.add_argument("--episodes", type=int, default=3)
    ap.add_argument("--max-workers", type=int, default=os.cpu_count())
    args = ap.parse_args()
    ray.init(num_cpus=args.max_workers, include_dashboard=False, log_to_driver=False)
    task = ray.remote(num_cpus=1)(episodes_task)
    ray.get(task.remote(args.scenario, 1, 999))  # warm up a worker (imports, first simulator start)
    base = None
    print(f"scenario {args.scenario}, {args.episodes} episodes per simulation, {os.cpu_count()} CPUs")
    print(f"{'simulations':>12}{'env steps/s':>14}{'speed-up':>10}{'efficiency':>12}")
    for k in range(1, args.max_workers + 1):
        start = time.perf_counter()
        steps = sum(ray.get([task.remote(args.scenario, args.episodes, i + 1) for i in range(k)]))
        rate = steps / (time.perf_counter() - start)
        base = base or rate
        print(f"{k:>12}{rate:>14.2f}{rate / base:>10.2f}{rate / (k * base):>12.2f}")
    ray.shutdown()


if __name__ == "__main__":
    main()
