"""Tidy views of an experiment folder (written by `pamrl experiment`), one function per table the notebooks show.

Every function takes DataFrames from `load_experiment` and returns a DataFrame; plotting stays in the notebooks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pamrl.bridge.protocol import SLICE_NAMES
from pamrl.config import LLM_METHODS
from pamrl.metrics import episode_returns as episode_returns_of

SLICES = list(SLICE_NAMES)
REFERENCES = ["equal", "proportional", "best-static"]  # fixed policies every learned method is read against
# two-sided 95 % Student-t quantiles by degrees of freedom (seeds - 1); a normal 1.96 beyond the table
_T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228}


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
    if rows.empty:  # e.g. no run of the LLM methods has finished yet
        return pd.DataFrame(columns=[*keys, "return", *(f"{p}_{s}" for p in ("qos", "sat") for s in SLICES)])
    ret = episode_returns_of(rows, keys[:-1])
    qos = rows.pivot_table(index=keys, columns="slice", values="qos", aggfunc="mean", observed=True)
    parts = [ret, qos.add_prefix("qos_")]
    if "qos_met" in rows:
        met = rows.assign(qos_met=rows["qos_met"].astype(float)).pivot_table(
            index=keys, columns="slice", values="qos_met", aggfunc="mean", observed=True)
        parts.append(met.add_prefix("sat_"))
    return pd.concat(parts, axis=1).reset_index()


def interval95(values: pd.Series) -> float:
    """Half-width of the 95 % confidence interval of the mean (Student t over the values, e.g. one per seed)."""
    v = values.dropna()
    if len(v) < 2:
        return float("nan")
    return float(_T95.get(len(v) - 1, 1.96) * v.std(ddof=1) / np.sqrt(len(v)))


def method_comparison(evaluation: pd.DataFrame) -> pd.DataFrame:
    """The headline table: per training scenario, test scenario and method, the evaluation return (mean over seeds,
    each seed's run averaged over the evaluation episodes) with its 95 % interval over seeds; the paired difference
    to `equal` and to `best-static` in % (every method runs the same evaluation episodes, so each episode's return is
    compared with the reference's on the same episode), with its interval; and per slice the mean QoS level and the
    QoS satisfaction rate (share of control periods in which the slice met all its targets). Deterministic fixed
    rules give the same return for every seed: their interval is 0."""
    ep = episode_returns(evaluation)
    per_run = ep.groupby(["train_scenario", "test_scenario", "method", "seed"]).mean(numeric_only=True)
    rows = []
    for (train_s, test_s, method), g in per_run.groupby(level=[0, 1, 2]):
        row = {"train_scenario": train_s, "test_scenario": test_s, "method": method, "seeds": len(g),
               "return": g["return"].mean(), "return_ci95": interval95(g["return"])}
        for ref in ("equal", "best-static"):
            ref_ep = ep[(ep["train_scenario"] == train_s) & (ep["test_scenario"] == test_s) & (ep["method"] == ref)]
            if ref_ep.empty:
                continue
            ref_by_episode = ref_ep.groupby("episode")["return"].mean()  # over the reference's own seeds
            mine = ep[(ep["train_scenario"] == train_s) & (ep["test_scenario"] == test_s) & (ep["method"] == method)]
            gain = (mine["return"].to_numpy() / ref_by_episode.loc[mine["episode"]].to_numpy() - 1) * 100
            gain_per_seed = pd.Series(gain).groupby(mine["seed"].to_numpy()).mean()
            row[f"vs_{ref}_pct"] = gain_per_seed.mean()
            row[f"vs_{ref}_pct_ci95"] = interval95(gain_per_seed)
        for s in SLICES:
            row[f"qos_{s}"] = g[f"qos_{s}"].mean()
        for s in SLICES:
            if f"sat_{s}" in g:
                row[f"sat_{s}"] = g[f"sat_{s}"].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def policy_shares(evaluation: pd.DataFrame) -> pd.DataFrame:
    """What each policy does: its mean share per slice and the spread (std over control periods, DUs and seeds) per
    test scenario.
    A learned policy that sits at 1/3 each has learned nothing; one that tracks the load moves with it."""
    g = evaluation.groupby(["train_scenario", "test_scenario", "method", "slice"])["share"]
    out = pd.concat([g.mean().rename("mean"), g.std().rename("std")], axis=1).reset_index()
    return out.pivot_table(index=["train_scenario", "test_scenario", "method"], columns="slice",
                           values=["mean", "std"])


def learning_curves(train: pd.DataFrame) -> pd.DataFrame:
    """Return per training episode, mean and standard deviation over seeds, per method and training scenario.
    best-static's "training" is its search (each episode a different candidate), not a curve: left out."""
    ep = episode_returns(train[train["method"] != "best-static"])
    return ep.groupby(["train_scenario", "method", "episode"])["return"].agg(["mean", "std", "count"]).reset_index()


def qos_table(evaluation: pd.DataFrame, baseline: str = "equal") -> pd.DataFrame:
    """Per-slice mean QoS level per (training scenario, method) and its improvement over `baseline` in %, then the
    QoS satisfaction rate per slice (the paper's Table I reports satisfaction and its improvement), on the runs'
    own training scenario."""
    ev = evaluation[evaluation["test_scenario"] == evaluation["train_scenario"]]
    idx = ["train_scenario", "method"]
    table = ev.pivot_table(index=idx, columns="slice", values="qos", aggfunc="mean")[SLICES]
    parts = [table]
    if baseline in table.index.get_level_values("method"):
        base = table.xs(baseline, level="method")
        gain = (table / base.reindex(table.index.get_level_values(0)).to_numpy() - 1) * 100
        parts.append(gain.add_suffix(" vs " + baseline + " (%)"))
    if "qos_met" in ev:
        met = ev.assign(qos_met=ev["qos_met"].astype(float)).pivot_table(
            index=idx, columns="slice", values="qos_met", aggfunc="mean")[SLICES]
        parts.append(met.add_prefix("satisfaction "))
        if baseline in met.index.get_level_values("method"):
            base = met.xs(baseline, level="method")
            parts.append(((met - base.reindex(met.index.get_level_values(0)).to_numpy()) * 100)
                         .add_prefix("satisfaction ").add_suffix(" vs " + baseline + " (points)"))
    return pd.concat(parts, axis=1)


def qos_by_step(evaluation: pd.DataFrame) -> pd.DataFrame:
    """Mean QoS level per control period of the episode, per (training scenario, method, slice), on the runs' own
    training scenario: what a policy does over an episode, e.g. an overloaded slice whose queue, and so its delay,
    grows from period to period when it is under-served (docs/learning.md, "The horizon")."""
    ev = evaluation[evaluation["test_scenario"] == evaluation["train_scenario"]]
    return ev.pivot_table(index=["train_scenario", "method", "slice"], columns="step", values="qos", aggfunc="mean")


def token_sweep(evaluation: pd.DataFrame) -> pd.DataFrame:
    """PA-MRL return vs number of learnable prompt tokens (mean and std over seeds)."""
    ep = episode_returns(evaluation[evaluation["method"] == "pa-mrl"])
    per_run = ep.groupby(["prompt_tokens", "seed"])["return"].mean()
    return per_run.groupby("prompt_tokens").agg(["mean", "std", "count"]).reset_index()


def llm_comparison(evaluation: pd.DataFrame) -> pd.DataFrame:
    """Return and per-slice QoS by language model, for the LLM methods."""
    ep = episode_returns(evaluation[evaluation["method"].isin(LLM_METHODS)])
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
