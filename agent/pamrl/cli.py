"""The `pamrl` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pamrl.bridge.errors import BridgeError, ScenarioError


def _add_scenario(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenario", required=True,
                   help="scenario file, or the name of one in agent/pamrl/scenarios/ (e.g. small, paper)")


def _add_bridge(p: argparse.ArgumentParser) -> None:
    p.add_argument("--endpoint", default=None,
                   help="where the agent binds (default: a private ipc:// path; e.g. tcp://0.0.0.0:5555 in a container)")
    p.add_argument("--attach", action="store_true",
                   help="wait for an externally started simulator for every episode instead of starting one")
    p.add_argument("--timeout", type=float, default=120.0,
                   help="seconds to wait for one control period of the simulator before giving up (with --attach "
                        "also for each episode's simulator to connect, at most 60)")


def _env_options(args: argparse.Namespace) -> dict:
    return {"endpoint": args.endpoint, "attach": args.attach, "timeout_s": args.timeout}


def _cmd_simulate(args: argparse.Namespace) -> int:
    from pamrl.bridge.scenario import load_scenario
    from pamrl.metrics import episode_returns, summarise
    from pamrl.simulate import simulate

    scenario = load_scenario(args.scenario)
    steps = simulate(scenario, args.policy, args.seed, Path(args.out), args.steps, args.episodes, **_env_options(args))
    periods = steps.groupby(["episode", "step"]).ngroups
    print(f"scenario {scenario.name}, policy {args.policy}, seed {args.seed}: {periods} control periods, "
          f"mean return {episode_returns(steps).mean():.3f} per DU and episode")
    print(summarise(steps).round(3).to_string())
    print(f"per-step KPIs: {Path(args.out) / 'steps'}")
    return 0


def _cmd_scenario(args: argparse.Namespace) -> int:
    from pamrl.bridge.scenario import load_scenario, resolved_json

    print(resolved_json(load_scenario(args.file)))
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from dataclasses import fields

    from pamrl.config import TrainConfig
    from pamrl.evaluate import comparison_table
    from pamrl.train import train

    values = {f.name: getattr(args, f.name, f.default) for f in fields(TrainConfig)}
    if args.then_evaluate and args.attach:
        values["keep_simulator"] = True  # the evaluation takes over the endpoint and the waiting simulator
    cfg = TrainConfig(**values)
    out = train(cfg)
    import pandas as pd

    steps = pd.read_parquet(out / "steps")
    last = steps[steps["episode"] >= steps["episode"].max() - 2]
    print(f"{cfg.method} on {cfg.scenario}, seed {cfg.seed}: last {last['episode'].nunique()} episodes")
    print(comparison_table(last).round(3).to_string())
    print(f"checkpoint: {out / 'checkpoint.pt'}; metrics: {out / 'steps'}, {out / 'updates'}")
    if args.then_evaluate:
        from pamrl.evaluate import evaluate

        eval_out = Path(args.eval_out) if args.eval_out else out / "evaluation"
        frame = evaluate(out / "checkpoint.pt", cfg.scenario, args.then_evaluate, eval_out, args.baseline,
                         cfg.device, endpoint=cfg.endpoint or None, attach=cfg.attach, timeout_s=cfg.timeout)
        print(f"evaluation on {cfg.scenario}, {args.then_evaluate} episodes, same seeds for every method:")
        print(comparison_table(frame).round(3).to_string())
        print(f"per-step KPIs: {eval_out}/<method>/steps")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from pamrl.evaluate import comparison_table, evaluate

    frame = evaluate(Path(args.checkpoint), args.scenario, args.episodes, Path(args.out), args.baseline, args.device,
                     **_env_options(args))
    print(f"evaluation on {args.scenario}, {args.episodes} episodes, same seeds for every method:")
    print(comparison_table(frame).round(3).to_string())
    print(f"per-step KPIs: {args.out}/<method>/steps")
    return 0


def _cmd_pretrain(args: argparse.Namespace) -> int:
    from pamrl.pretrain import pretrain_adapters

    report = pretrain_adapters(args.scenario, args.llm, args.episodes, Path(args.out), args.seed, args.epochs,
                               latent=args.latent, hidden=args.hidden, device=args.device,
                               trust_remote_code=args.trust_remote_code)
    print(f"adapters for --llm {args.llm} saved to {args.out}: {int(report['states'])} states, "
          f"InfoNCE {report['final_loss']:.3f}, retrieval accuracy {report['retrieval_accuracy']:.1%}")
    return 0


def _cmd_experiment(args: argparse.Namespace) -> int:
    from pamrl.experiment import run_grid

    index = run_grid(Path(args.grid), Path(args.out), args.address, args.workers, launch=not args.index_only)
    return 0 if args.index_only or (index["status"] == "done").all() else 1


def _cmd_report(args: argparse.Namespace) -> int:
    from pamrl.analysis.report import render

    failures: dict[str, str] = {}
    for path in render(Path(args.results), failures=failures):
        print(f"executed {path}")
    for name, error in failures.items():
        print(f"not rendered: {name} ({error})", file=sys.stderr)
    return 0 if not failures else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pamrl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("simulate", help="one co-simulated episode under a fixed-rule policy, KPIs to Parquet")
    _add_scenario(p)
    p.add_argument("--policy", choices=["equal", "proportional"], default="equal")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--steps", type=int, default=None, help="stop after this many control periods")
    p.add_argument("--episodes", type=int, default=1)
    _add_bridge(p)
    p.set_defaults(func=_cmd_simulate)

    from pamrl.config import add_arguments

    p = sub.add_parser("train", help="train a method over the co-simulation (checkpoints, Parquet metrics)")
    add_arguments(p, exclude=("keep_simulator",))
    p.add_argument("--then-evaluate", type=int, default=0, metavar="EPISODES",
                   help="then evaluate the trained policy for this many episodes (as `pamrl evaluate`), over the same "
                        "endpoint in attach mode (default: 0, no evaluation)")
    p.add_argument("--baseline", choices=["equal", "proportional"], default=None,
                   help="with --then-evaluate: also run this heuristic on the same seeds")
    p.add_argument("--eval-out", default=None, help="with --then-evaluate: results folder (default: OUT/evaluation)")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("pretrain-adapters", help="align the SRM adapters Fc1/Fc2 offline on co-simulated states")
    _add_scenario(p)
    p.add_argument("--llm", default="minilm")
    p.add_argument("--episodes", type=int, default=3, help="co-simulated episodes of random shares to collect")
    p.add_argument("--epochs", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--latent", type=int, default=64, help="must match train --latent")
    p.add_argument("--hidden", type=int, default=128, help="must match train --hidden")
    p.add_argument("--out", required=True, help="file to write (e.g. runs/adapters-minilm.pt)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--trust-remote-code", action="store_true")
    p.set_defaults(func=_cmd_pretrain)

    p = sub.add_parser("evaluate", help="run a trained policy (and a heuristic baseline) on a scenario")
    p.add_argument("--checkpoint", required=True)
    _add_scenario(p)
    p.add_argument("--episodes", type=int, default=3)
    p.add_argument("--out", required=True)
    p.add_argument("--baseline", choices=["equal", "proportional"], default=None,
                   help="also run this heuristic on the same seeds, for comparison")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    _add_bridge(p)
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("experiment", help="a grid of runs on Ray (methods x scenarios x seeds x tokens x LLMs)")
    p.add_argument("--grid", required=True, help="grid file (see agent/pamrl/experiment.py)")
    p.add_argument("--out", required=True, help="experiment folder (re-running it resumes)")
    p.add_argument("--address", default=None, help="Ray cluster address (default: a local Ray on this machine)")
    p.add_argument("--workers", type=int, default=None, help="parallel runs on the local machine (default: CPUs)")
    p.add_argument("--index-only", action="store_true",
                   help="run nothing: write the index of the runs done so far (then `pamrl report` shows them)")
    p.set_defaults(func=_cmd_experiment)

    p = sub.add_parser("report", help="run the analysis notebooks headless on an experiment folder")
    p.add_argument("--results", required=True, help="experiment folder written by `pamrl experiment`")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("scenario", help="validate a scenario file and print it resolved (as the simulator gets it)")
    p.add_argument("file")
    p.set_defaults(func=_cmd_scenario)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ScenarioError, BridgeError, FileNotFoundError, ValueError) as e:
        print(f"pamrl {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
