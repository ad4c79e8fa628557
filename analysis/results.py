"""Tidy views of an experiment folder (written by `pamrl experiment`), one function per table the notebooks show.

Every function takes DataFrames from `load_experiment` and returns a DataFrame; plotting stays in the notebooks.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SLICES = ["embb", "urllc", "mmtc"]


def load_experiment(results: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(run index, training rows, evaluation rows) of an experiment folder."""
    results = Path(results)
    index = pd.read_parquet(results / "index.parquet")
    rows = pd.read_parquet(results / "dataset")
    for col in ("run", "method", "slice", "test_scenario", "train_scenario", "llm"):
        if col in rows:
            rows[col] = rows[col].astype(str)
    return index, rows[rows["phase"] == "train"], rows[rows["phase"] == "eval"]


def episode_returns(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per run and episode: the return (sum of rewards over steps, mean over DUs) and mean QoS per slice."""
    keys = ["run", "method", "seed", "prompt_tokens", "llm", "train_scenario", "test_scenario", "episode"]
    per_du = rows.groupby([*keys, "step", "du"], observed=True)["reward"].first()
    ret = per_du.groupby([*keys, "du"], observed=True).sum().groupby(keys, observed=True).mean().rename("return")
    qos = rows.pivot_table(index=keys, columns="slice", values="qos", aggfunc="mean", observed=True)
    return pd.concat([ret, qos.add_prefix("qos_")], axis=1).reset_index()


def learning_curves(train: pd.DataFrame) -> pd.DataFrame:
    """Return per episode, mean and standard deviation over seeds, per method."""
    ep = episode_returns(train)
    return ep.groupby(["method", "episode"])["return"].agg(["mean", "std", "count"]).reset_index()


def qos_table(evaluation: pd.DataFrame, baseline: str = "equal") -> pd.DataFrame:
    """Per-slice mean QoS level per method and its improvement over `baseline` in % (the form of the paper's
    Table I), on the runs' own training scenario."""
    ev = evaluation[evaluation["test_scenario"] == evaluation["train_scenario"]]
    table = ev.pivot_table(index="method", columns="slice", values="qos", aggfunc="mean")[SLICES]
    if baseline in table.index:
        gain = (table / table.loc[baseline] - 1) * 100
        table = pd.concat([table, gain.add_suffix(" vs " + baseline + " (%)")], axis=1)
    return table


def token_sweep(evaluation: pd.DataFrame) -> pd.DataFrame:
    """PA-MRL return vs number of learnable prompt tokens (mean and std over seeds)."""
    ep = episode_returns(evaluation[evaluation["method"] == "pa-mrl"])
    per_run = ep.groupby(["prompt_tokens", "seed"])["return"].mean()
    return per_run.groupby("prompt_tokens").agg(["mean", "std", "count"]).reset_index()


def llm_comparison(evaluation: pd.DataFrame) -> pd.DataFrame:
    """Return and per-slice QoS by language model, for the LLM methods."""
    ep = episode_returns(evaluation[evaluation["method"].isin(["pa-mrl", "llm-frozen"])])
    cols = ["return", *[f"qos_{s}" for s in SLICES]]
    return ep.groupby(["method", "llm"])[cols].mean().reset_index()


def robustness(evaluation: pd.DataFrame) -> pd.DataFrame:
    """Mean QoS of frozen policies, rows (method, train scenario), columns test scenario."""
    return evaluation.pivot_table(index=["method", "train_scenario"], columns="test_scenario", values="qos",
                                  aggfunc="mean")


def kpi_distribution(rows: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """Quantiles of one KPI per method and slice."""
    q = rows.groupby(["method", "slice"])[kpi].quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
    q.columns = [f"p{int(c * 100)}" for c in q.columns]
    return q.reset_index()
