"""`pamrl experiment`: a grid of training runs (methods x train scenarios x seeds x prompt-token counts x LLMs),
each evaluated on a set of test scenarios, run in parallel on Ray.

Grid file (YAML):

  name: demo
  methods: [pa-mrl, llm-frozen, masac, equal]
  train_scenarios: [small]
  test_scenarios: [small, small+urllc-surge]   # the frozen policy of every run is evaluated on each
  seeds: [1, 2, 3]
  prompt_tokens: [20]          # varies pa-mrl only
  llms: [minilm]               # varies pa-mrl and llm-frozen only
  episodes: 10                 # training episodes per run
  eval_episodes: 2
  train: {learning_starts: 40} # any other `pamrl train` setting, for every run
  method_train:                # per-method settings over `train` and `episodes` (e.g. a fixed rule needs no
    equal: {episodes: 5}       # long "training"; best-static's episodes are its search budget)
  variant: lte                 # optional: appended to every train and test scenario when a run starts (here: the
                               # LTE backend); run names and the dataset's train/test scenario columns keep the
                               # grid's names, so a grid pinned to one backend reads like any other

Each run owns a folder (out/runs/<run>/: its training output, evaluations, log.txt, status.json) and its own
private ipc:// endpoint, so runs never collide. Re-running an interrupted grid skips finished runs and resumes
unfinished ones from their checkpoints; a failed run is reported with its log and does not stop the others.

Results: one Parquet dataset partitioned by run (out/dataset/run=<run>/{train,eval}.parquet) and a run index
(out/index.parquet: config, status, durations, versions of ns-3, torch and pamrl).
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
import traceback
from contextlib import redirect_stderr, redirect_stdout
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pamrl.bridge.errors import ScenarioError
from pamrl.bridge.scenario import load_scenario
from pamrl.bridge.simulator import simulator_build
from pamrl.config import LEARNED, LLM_METHODS, METHODS, TrainConfig, resume_mismatches
from pamrl.progress import progress


class Grid(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    methods: list[str] = Field(min_length=1)
    train_scenarios: list[str] = Field(min_length=1)
    test_scenarios: list[str] = []
    seeds: list[int] = Field(default=[1], min_length=1)
    prompt_tokens: list[int] = [20]
    llms: list[str] = ["minilm"]
    episodes: int = Field(default=10, ge=1)
    eval_episodes: int = Field(default=2, ge=0)
    train: dict[str, Any] = {}
    method_train: dict[str, dict[str, Any]] = {}
    variant: str | None = None

    def resolved(self, scenario: str) -> str:
        """The scenario a run actually loads: the grid's name plus the grid's variant, if any."""
        return f"{scenario}+{self.variant}" if self.variant else scenario


def load_grid(path: Path) -> Grid:
    try:
        grid = Grid.model_validate(yaml.safe_load(Path(path).read_text()))
    except (OSError, yaml.YAMLError) as e:
        raise ValueError(f"cannot read grid file {path}: {e}") from None
    except ValidationError as e:
        raise ValueError(f"{path}: " + "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors())) from None
    bad = [m for m in grid.methods if m not in METHODS]
    if bad:
        raise ValueError(f"{path}: unknown methods {bad}; allowed: {', '.join(METHODS)}")
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    extra = set(grid.train).union(*grid.method_train.values()) - known
    if extra:
        raise ValueError(f"{path}: unknown train settings {sorted(extra)}")
    stray = set(grid.method_train) - set(grid.methods)
    if stray:
        raise ValueError(f"{path}: method_train names methods not in the grid: {sorted(stray)}")
    for s in {*grid.train_scenarios, *grid.test_scenarios}:
        load_scenario(grid.resolved(s))  # a bad scenario fails here, before any run starts
    return grid


def expand(grid: Grid) -> list[dict[str, Any]]:
    """One dict per run: its id and its TrainConfig fields (out is filled in by the runner)."""
    runs = []
    # scenario-major: with a budget that cannot finish the grid, one scenario's comparison completes first
    for scenario in grid.train_scenarios:
        for method in grid.methods:
            for seed in grid.seeds:
                tokens = grid.prompt_tokens if method == "pa-mrl" else [0]
                llms = grid.llms if method in LLM_METHODS else ["-"]
                for k in tokens:
                    for llm in llms:
                        run_id = f"{method}_{scenario}_s{seed}" + (f"_t{k}" if method == "pa-mrl" else "") + (
                            f"_{llm.replace('/', '-')}" if llm != "-" else "")
                        cfg = {**grid.train, "method": method, "scenario": grid.resolved(scenario), "seed": seed,
                               "episodes": grid.episodes, "prompt_tokens": k, **grid.method_train.get(method, {})}
                        if llm != "-":
                            cfg["llm"] = llm
                        runs.append({"run": run_id, "config": cfg, "train_scenario": scenario, "method": method,
                                     "seed": seed, "prompt_tokens": k, "llm": llm})
    return runs


def versions() -> dict[str, str]:
    out = {"ns3": simulator_build()}
    for package, key in (("torch", "torch"), ("pamrl", "pamrl"), ("transformers", "transformers")):
        try:
            out[key] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[key] = "unknown"
    return out


def run_one(run: dict[str, Any], root: str, test_scenarios: list[tuple[str, str]], eval_episodes: int) -> dict[str, Any]:
    """Trains (or resumes) one run, evaluates it on every test scenario ((grid name, scenario it loads) pairs:
    Grid.resolved), and writes its partition of the dataset. Runs inside a Ray worker; everything it prints goes to
    the run's log.txt."""
    import torch

    from pamrl.evaluate import evaluate
    from pamrl.train import train

    torch.set_num_threads(1)  # one CPU per run: the simulator and the learner take turns on it
    folder = Path(root) / "runs" / run["run"]
    folder.mkdir(parents=True, exist_ok=True)
    status_file = folder / "status.json"
    started = time.time()
    status = {"run": run["run"], "status": "running", "started": started}
    status_file.write_text(json.dumps(status))
    with open(folder / "log.txt", "a") as log, redirect_stdout(log), redirect_stderr(log):
        try:
            cfg = TrainConfig(**{**run["config"], "out": str(folder / "train"), "resume": True})
            train(cfg)
            train_seconds = _training_wall_seconds(folder / "train", since=started)
            evaluation_started = time.time()
            frames = []
            if cfg.method in LEARNED or eval_episodes:
                for test, resolved in test_scenarios:
                    f = evaluate(folder / "train" / "checkpoint.pt", resolved, eval_episodes, folder / "eval" / test)
                    frames.append(f.assign(test_scenario=test))
            part = Path(root) / "dataset" / f"run={run['run']}"
            part.mkdir(parents=True, exist_ok=True)
            meta = {"train_scenario": run["train_scenario"], "prompt_tokens": run["prompt_tokens"], "llm": run["llm"]}
            pd.read_parquet(folder / "train" / "steps").assign(phase="train", test_scenario=run["train_scenario"],
                                                               **meta).to_parquet(part / "train.parquet", index=False)
            if frames:
                pd.concat(frames).assign(phase="eval", **meta).to_parquet(part / "eval.parquet", index=False)
            status.update(status="done", train_seconds=train_seconds,
                          total_seconds=train_seconds + time.time() - evaluation_started)
        except Exception as e:  # noqa: BLE001 - a failed run is reported and must not stop the grid
            traceback.print_exc()
            status.update(status="failed", error=f"{type(e).__name__}: {e}", total_seconds=time.time() - started)
    status_file.write_text(json.dumps(status))
    return status


def _settings_that_differ(folder: Path, run: dict[str, Any]) -> list[str]:
    """What a done run was trained with that differs from the grid's settings for it (what defines the run:
    config.resume_mismatches). A done run is not trained again, so a changed grid or a run copied from another grid
    would otherwise be read as this grid's without a word."""
    saved = folder / "train" / "config.json"
    if not saved.exists():
        return []
    try:
        grid_cfg = TrainConfig(**{**run["config"], "out": str(folder / "train")})
    except (TypeError, ValueError):
        return []  # the grid's own validation reports it
    return resume_mismatches(json.loads(saved.read_text()), grid_cfg)


def _training_wall_seconds(train_dir: Path, since: float) -> float:
    """Wall time of a run's training over all its invocations: a resumed run keeps each episode's time once, in
    timing/; best-static keeps its search's time in its checkpoint."""
    import torch

    timing = train_dir / "timing"
    if timing.is_dir() and any(timing.iterdir()):
        return float(pd.read_parquet(timing)["wall_s"].sum())
    try:
        return float(torch.load(train_dir / "checkpoint.pt", map_location="cpu", weights_only=True)["search_seconds"])
    except (OSError, RuntimeError, KeyError):
        return time.time() - since


def run_grid(grid_file: Path, out: Path, address: str | None = None, workers: int | None = None,
             launch: bool = True) -> pd.DataFrame:
    """Runs what is not done yet (launch=False: nothing; only writes the index of what is, e.g. to report on a grid
    that another process is still running or that will be resumed later). Two drivers never run one folder: the
    second fails at once (out/experiment.lock)."""
    import ray

    grid = load_grid(grid_file)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    lock = _lock_folder(out) if launch else None
    (out / "grid.yaml").write_text(yaml.safe_dump(grid.model_dump()))
    runs = expand(grid)
    todo, rows = [], {}
    for run in runs:
        status_file = out / "runs" / run["run"] / "status.json"
        previous = json.loads(status_file.read_text()) if status_file.exists() else {}
        if previous.get("status") == "done":
            rows[run["run"]] = previous
            for line in _settings_that_differ(out / "runs" / run["run"], run):
                print(f"warning: {run['run']} is done with other settings than this grid's ({line}); kept as it is: "
                      "remove its folder to run it again")
        else:
            todo.append(run)
    print(f"experiment {grid.name}: {len(runs)} runs, {len(rows)} already done, {len(todo)} to run")
    if not launch:
        for r in todo:
            status_file = out / "runs" / r["run"] / "status.json"
            rows[r["run"]] = {"status": "not run"} if not status_file.exists() else {
                **json.loads(status_file.read_text()), "status": "unfinished"}
    if todo and launch:
        cpus = workers or os.cpu_count() or 1
        # No address: a Ray instance of this grid's own ("local"), not the one another grid on this machine started
        # (ray.init(None) joins the latest local instance, and then both grids share its CPUs).
        ray.init(address=address or "local", num_cpus=None if address else cpus, include_dashboard=False,
                 log_to_driver=False, ignore_reinit_error=True)
        try:
            task = ray.remote(num_cpus=1, max_retries=0)(run_one)
            tests = [(t, grid.resolved(t)) for t in grid.test_scenarios]
            pending = {task.remote(run, str(out.resolve()), tests, grid.eval_episodes): run for run in todo}
            bar = progress(total=len(runs), initial=len(rows), desc=f"experiment {grid.name}", unit="run")
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1)
                run = pending.pop(ready[0])
                try:
                    status = ray.get(ready[0])
                except Exception as e:  # noqa: BLE001 - a worker that died is a failed run, not a failed grid
                    status = {"run": run["run"], "status": "failed", "error": f"worker died: {e}"}
                rows[run["run"]] = status
                log = out / "runs" / run["run"] / "log.txt"
                if status["status"] == "done":
                    bar.write(f"done   {run['run']} in {status['total_seconds']:.0f} s")
                else:
                    bar.write(f"FAILED {run['run']}: {status.get('error')} (log: {log})")
                bar.update(1)
            bar.close()
        finally:
            ray.shutdown()
    index = pd.DataFrame([
        {"run": r["run"], "method": r["method"], "train_scenario": r["train_scenario"], "seed": r["seed"],
         "prompt_tokens": r["prompt_tokens"], "llm": r["llm"], "config": json.dumps(r["config"]),
         **{k: rows[r["run"]].get(k) for k in ("status", "error", "train_seconds", "total_seconds")},
         **{f"version_{k}": v for k, v in versions().items()}}
        for r in runs
    ])
    index.to_parquet(out / "index.parquet", index=False)
    failed = index[index["status"] != "done"]
    print(f"experiment {grid.name}: {len(index) - len(failed)} runs done, {len(failed)} not done "
          f"({', '.join(f'{k}: {v}' for k, v in failed['status'].value_counts().items())}); dataset {out / 'dataset'}")
    if lock is not None:
        lock.close()
    return index


def _lock_folder(out: Path):
    """An exclusive lock on out/experiment.lock for as long as the returned file stays open (the whole run)."""
    import fcntl

    handle = open(out / "experiment.lock", "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise ValueError(f"another `pamrl experiment` is running on {out}; use --index-only to see its progress") from None
    return handle


def load_dataset(out: Path, phase: str | None = None) -> pd.DataFrame:
    """All rows of an experiment (one query away from any table); `phase` = train or eval."""
    frame = pd.read_parquet(Path(out) / "dataset")
    return frame if phase is None else frame[frame["phase"] == phase]


def robustness_table(out: Path) -> pd.DataFrame:
    """Mean QoS level of each method's frozen policies: train scenario x test scenario."""
    from pamrl.analysis.results import robustness

    return robustness(load_dataset(out, "eval"))
