"""`pamrl experiment` on Ray over the real simulator, then the analysis notebooks executed headless on its results."""

import json

import pandas as pd
import pytest
import yaml

from pamrl.analysis.report import NOTEBOOKS, render
from pamrl.experiment import expand, load_grid, robustness_table, run_grid


@pytest.fixture(scope="module")
def experiment(tmp_path_factory, simulator_binary):
    root = tmp_path_factory.mktemp("exp")
    grid = {
        "name": "t", "methods": ["pa-mrl", "equal", "best-static"], "train_scenarios": ["small"],
        "test_scenarios": ["small", "small+urllc-surge"], "seeds": [1], "prompt_tokens": [4],
        "llms": ["gpt2-arch-tiny", "no-such-model-xyz"], "episodes": 2, "eval_episodes": 1,
        "train": {"learning_starts": 10, "batch_size": 16, "prompt_batch": 2, "hidden": 32, "latent": 16},
        # best-static: a grid of 3 allocations (4-RBG steps of 13), one episode each, then 1 refinement move
        "method_train": {"best-static": {"episodes": 4, "static_grid_step": 0.3, "static_search_episodes": 1}},
    }
    (root / "grid.yaml").write_text(yaml.safe_dump(grid))
    index = run_grid(root / "grid.yaml", root / "out", workers=2)
    return root, index


def test_grid_expands_over_every_axis(tmp_path):
    (tmp_path / "g.yaml").write_text(yaml.safe_dump({
        "name": "g", "methods": ["pa-mrl", "llm-frozen", "masac"], "train_scenarios": ["small", "small+static"],
        "seeds": [1, 2], "prompt_tokens": [5, 20], "llms": ["minilm", "smollm2"]}))
    runs = expand(load_grid(tmp_path / "g.yaml"))
    # pa-mrl: 2 scen x 2 seeds x 2 tokens x 2 LLMs; llm-frozen: 2 x 2 x 2 LLMs; masac: 2 x 2
    assert len(runs) == 16 + 8 + 4
    assert len({r["run"] for r in runs}) == len(runs)


def test_a_grid_variant_changes_what_runs_load_but_not_their_names(tmp_path):
    (tmp_path / "g.yaml").write_text(yaml.safe_dump({
        "name": "g", "methods": ["equal"], "train_scenarios": ["small+static"], "variant": "lte"}))
    (run,) = expand(load_grid(tmp_path / "g.yaml"))
    assert run["config"]["scenario"] == "small+static+lte"
    assert run["run"] == "equal_small+static_s1" and run["train_scenario"] == "small+static"
    (tmp_path / "h.yaml").write_text(yaml.safe_dump({
        "name": "h", "methods": ["equal"], "train_scenarios": ["small"], "variant": "no-such-variant"}))
    with pytest.raises(ValueError, match="no-such-variant"):
        load_grid(tmp_path / "h.yaml")


def test_bad_grid_fails_before_running(tmp_path):
    (tmp_path / "g.yaml").write_text(yaml.safe_dump({"name": "g", "methods": ["ppo"], "train_scenarios": ["small"]}))
    with pytest.raises(ValueError, match="unknown methods"):
        load_grid(tmp_path / "g.yaml")
    (tmp_path / "h.yaml").write_text(yaml.safe_dump({"name": "h", "methods": ["equal"], "train_scenarios": ["small+nope"]}))
    with pytest.raises(ValueError, match="no scenario or variant named 'nope'"):
        load_grid(tmp_path / "h.yaml")


def test_runs_finish_and_a_failed_run_does_not_stop_the_others(experiment):
    root, index = experiment
    status = dict(zip(index["run"], index["status"]))
    assert status["pa-mrl_small_s1_t4_gpt2-arch-tiny"] == "done"
    assert status["equal_small_s1"] == "done"
    assert status["best-static_small_s1"] == "done"
    assert status["pa-mrl_small_s1_t4_no-such-model-xyz"] == "failed"
    failed = index.set_index("run").loc["pa-mrl_small_s1_t4_no-such-model-xyz"]
    assert "cannot load --llm" in failed["error"]
    log = root / "out" / "runs" / "pa-mrl_small_s1_t4_no-such-model-xyz" / "log.txt"
    assert "cannot load --llm" in log.read_text()
    assert {"version_ns3", "version_torch", "version_pamrl", "total_seconds", "config"} <= set(index.columns)
    assert index["version_ns3"].str.startswith("ns-3.46.1-nr-4.1.1-").all()  # the simulator's own build


def test_dataset_is_partitioned_by_run_and_answers_robustness_in_one_query(experiment):
    root, _ = experiment
    rows = pd.read_parquet(root / "out" / "dataset")
    assert set(rows["run"].astype(str)) == {"pa-mrl_small_s1_t4_gpt2-arch-tiny", "equal_small_s1", "best-static_small_s1"}
    assert set(rows["phase"]) == {"train", "eval"}
    # the QoS satisfaction rate's raw material: whether each slice met all its targets, in every row
    assert rows["qos_met"].dtype == bool and rows.loc[rows["qos_met"], "qos"].eq(1.0).all()
    search = pd.read_parquet(root / "out" / "runs" / "best-static_small_s1" / "train" / "search.parquet")
    assert search["candidate"].nunique() == 4  # 3 grid points + 1 move within the budget of 4 episodes
    assert (search[["rbgs_embb", "rbgs_urllc", "rbgs_mmtc"]].sum(axis=1) == 12).all()  # nr: 12 whole RBGs of 2 PRBs
    table = robustness_table(root / "out")
    assert list(table.columns) == ["small", "small+urllc-surge"]
    assert table.notna().all().all()


def test_rerun_skips_finished_and_resumes_unfinished(experiment):
    root, _ = experiment
    run_dir = root / "out" / "runs" / "equal_small_s1"
    (run_dir / "status.json").write_text(json.dumps({"run": "equal_small_s1", "status": "running"}))
    before = (run_dir / "train" / "steps" / "episode-000000.parquet").stat().st_mtime_ns
    index = run_grid(root / "grid.yaml", root / "out", workers=2)
    status = dict(zip(index["run"], index["status"]))
    assert status["equal_small_s1"] == "done"
    # resumed from its checkpoint (after the last episode): no episode was trained again
    assert (run_dir / "train" / "steps" / "episode-000000.parquet").stat().st_mtime_ns == before


def test_notebooks_render_figures_and_tables(experiment):
    root, _ = experiment
    written = render(root / "out")
    assert len(written) == len(NOTEBOOKS) >= 6
    report = root / "out" / "report"
    for name in ("comparison", "policy_shares", "learning_curves", "qos_table", "qos_by_step", "token_sweep", "llm_comparison",
                 "robustness", "kpi_distributions"):
        png = report / f"{name}.png"
        assert png.exists() and png.stat().st_size > 5000, name
    for csv in report.glob("*.csv"):
        assert len(pd.read_csv(csv)) > 0, csv.name
    assert len(list(report.glob("*.csv"))) >= 8
    comparison = pd.read_csv(report / "comparison.csv")
    assert {"return_ci95", "vs_equal_pct", "vs_best-static_pct", "sat_embb"} <= set(comparison.columns)
    own = comparison[comparison["test_scenario"] == "small"].set_index("method")
    assert own.loc["best-static", "vs_best-static_pct"] == pytest.approx(0.0)


def test_index_only_runs_nothing_and_a_second_driver_is_refused(tmp_path, simulator_binary):
    import fcntl

    (tmp_path / "g.yaml").write_text(yaml.safe_dump({"name": "g", "methods": ["equal"], "train_scenarios": ["small"],
                                                     "episodes": 1, "eval_episodes": 0}))
    index = run_grid(tmp_path / "g.yaml", tmp_path / "out", launch=False)
    assert list(index["status"]) == ["not run"] and not (tmp_path / "out" / "runs").exists()
    with open(tmp_path / "out" / "experiment.lock", "w") as held:  # a driver already running on this folder
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(ValueError, match="another `pamrl experiment` is running"):
            run_grid(tmp_path / "g.yaml", tmp_path / "out")


def test_a_done_run_trained_with_other_settings_is_named(tmp_path, capsys):
    """A done run is not trained again; when its settings differ from the grid's (the grid changed, or the run was
    copied from another grid), the driver says so instead of silently reading it as this grid's."""
    from pamrl.experiment import run_grid

    grid = tmp_path / "grid.yaml"
    grid.write_text("name: g\nmethods: [masac]\ntrain_scenarios: [small]\ntest_scenarios: [small]\nseeds: [1]\n"
                    "episodes: 3\ntrain: {gamma: 0.9}\n")
    folder = tmp_path / "out" / "runs" / "masac_small_s1"
    (folder / "train").mkdir(parents=True)
    (folder / "status.json").write_text(json.dumps({"run": "masac_small_s1", "status": "done"}))
    (folder / "train" / "config.json").write_text(json.dumps({"method": "masac", "scenario": "small", "seed": 1,
                                                              "gamma": 0.5}))
    run_grid(grid, tmp_path / "out", launch=False)
    out = capsys.readouterr().out
    assert "warning: masac_small_s1 is done with other settings" in out and "gamma: checkpoint 0.5, this run 0.9" in out
    (folder / "train" / "config.json").write_text(json.dumps({"method": "masac", "scenario": "small", "seed": 1,
                                                              "gamma": 0.9}))
    run_grid(grid, tmp_path / "out", launch=False)
    assert "warning" not in capsys.readouterr().out
