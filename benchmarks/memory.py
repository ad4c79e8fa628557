"""Peak memory at paper scale: the simulator, and the agent with a full replay buffer, for each language model.

Simulator: the standalone binary on the paper scenario for `--sim-steps` control periods (all 198 UEs attached
and traffic flowing), peak RSS from wait4.
Agent: a fresh process builds PA-MRL for 6 DUs with the given --llm, fills a replay buffer of `--buffer`
transitions (the default capacity, every page touched), acts, runs 3 updates and writes a checkpoint; peak RSS.
Goal: simulator + agent under 4 GiB on CPU.

Run:  .venv/bin/python benchmarks/memory.py [--llms minilm smollm2] [--buffer 50000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from pamrl.bridge.scenario import load_scenario
from pamrl.bridge.simulator import allocator_env, find_simulator_binary

AGENT = r"""
import resource, sys, tempfile, numpy as np, torch
from pamrl.bridge.scenario import load_scenario
from pamrl.config import TrainConfig
from pamrl.replay import ReplayBuffer
from pamrl.prompt import NUM_FEATURES
from pamrl import checkpoint
from pamrl.factory import build_agent
llm, capacity = sys.argv[1], int(sys.argv[2])
scenario = load_scenario("paper")
cfg = TrainConfig(method="pa-mrl", llm=llm, device="cpu", buffer_size=capacity)
agent = build_agent(cfg, scenario, torch.device("cpu"))
n = scenario.ran.num_dus
buf = ReplayBuffer(capacity, n, NUM_FEATURES, agent.srm.encoder.hidden_size)
rng = np.random.default_rng(0)
texts = ["eMBB QoS 50%, 21 of 31 Mbps, delay 66 ms, target 200, loss 4%, share 33%."] * n
h = agent.hidden_of(texts)
for i in range(capacity):
    f = rng.random((n, NUM_FEATURES), dtype=np.float32)
    buf.add(texts, features=f, hidden=h, actions=np.full((n, 3), 1 / 3, np.float32), rewards=np.zeros(n, np.float32),
            next_features=f, next_hidden=h, labels=np.zeros(n, np.int64))
agent.act(f, h)
for _ in range(3):
    agent.update(buf, rng)
with tempfile.TemporaryDirectory() as d:
    from pathlib import Path
    checkpoint.save(Path(d) / "c.pt", cfg, 0, capacity, "mem", agent, buf, rng)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def simulator_peak_mib(steps: int) -> float:
    scenario = load_scenario("paper").to_simulator()
    scenario["control"]["episode_steps"] = steps
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "paper.json"
        path.write_text(json.dumps(scenario))
        env = dict(os.environ, **allocator_env())
        proc = subprocess.Popen([str(find_simulator_binary()), f"--scenario={path}", f"--out={Path(d) / 'o.json'}"],
                                env=env, cwd=d)
        _, status, usage = os.wait4(proc.pid, 0)
        if status != 0:
            raise RuntimeError(f"simulator failed with status {status}")
        return usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--llms", nargs="+", default=["minilm", "smollm2"])
    ap.add_argument("--buffer", type=int, default=50000)
    ap.add_argument("--sim-steps", type=int, default=3)
    args = ap.parse_args()
    sim = simulator_peak_mib(args.sim_steps)
    print(f"simulator, paper scale, {args.sim_steps} steps: peak RSS {sim:.0f} MiB")
    for llm in args.llms:
        out = subprocess.run([sys.executable, "-c", AGENT, llm, str(args.buffer)], capture_output=True, text=True)
        if out.returncode != 0:
            print(f"agent {llm}: failed: {out.stderr[-500:]}")
            continue
        agent = float(out.stdout.strip().splitlines()[-1])
        print(f"agent pa-mrl --llm {llm}, full buffer of {args.buffer}: peak RSS {agent:.0f} MiB; "
              f"with the simulator {(agent + sim) / 1024:.2f} GiB (goal < 4)")


if __name__ == "__main__":
    main()
