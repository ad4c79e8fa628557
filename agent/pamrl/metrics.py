"""Results as tidy Parquet: one row per (step, DU, slice) for KPIs, and one row per update for losses.

Step rows are written one file per episode (`steps/episode-000012.parquet`), so a resumed run rewrites exactly
the episodes after its checkpoint: no row is lost or duplicated. Read a run with `pandas.read_parquet(dir)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pamrl.bridge.protocol import KPI_NAMES, SLICE_NAMES
from pamrl.bridge.reward import targets_met


@dataclass
class RunInfo:
    run_id: str
    method: str
    scenario: str
    seed: int


@dataclass
class EpisodeRecorder:
    """Collects the rows of one episode."""

    info: RunInfo
    episode: int
    rows: list[dict[str, Any]] = field(default_factory=list)

    def record(self, step: int, time_s: float, kpis: np.ndarray, qos: np.ndarray, rewards: np.ndarray,
               shares: np.ndarray) -> None:
        """kpis [du, slice, kpi] of the period that `shares` [du, slice] governed; qos [du, slice]; rewards [du]."""
        met = targets_met(qos)
        for du in range(kpis.shape[0]):
            for s, slice_name in enumerate(SLICE_NAMES):
                row = {
                    "run_id": self.info.run_id,
                    "method": self.info.method,
                    "scenario": self.info.scenario,
                    "seed": self.info.seed,
                    "episode": self.episode,
                    "step": step,
                    "time_s": time_s,
                    "du": du,
                    "slice": slice_name,
                    "share": float(shares[du, s]),
                    "qos": float(qos[du, s]),
                    "qos_met": bool(met[du, s]),
                    "reward": float(rewards[du]),
                }
                row.update({name: float(kpis[du, s, k]) for k, name in enumerate(KPI_NAMES)})
                self.rows.append(row)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)

    def write(self, out_dir: Path) -> Path:
        path = Path(out_dir) / "steps" / f"episode-{self.episode:06d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.frame().to_parquet(path, index=False)
        return path


def write_updates(rows: list[dict[str, Any]], out_dir: Path, episode: int) -> None:
    """Per-update losses of one episode (`updates/episode-000012.parquet`)."""
    if not rows:
        return
    path = Path(out_dir) / "updates" / f"episode-{episode:06d}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_parquet(path, index=False)


def write_timing(row: dict[str, Any], out_dir: Path) -> None:
    """Per-episode wall time and the part of it the simulator was computing (`timing/episode-000012.parquet`)."""
    path = Path(out_dir) / "timing" / f"episode-{row['episode']:06d}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame([row]).to_parquet(path, index=False)


def summarise(steps: pd.DataFrame) -> pd.DataFrame:
    """Mean per slice over all steps and DUs of the key KPIs, for printing."""
    cols = ["qos", "qos_met", "share", "DRB.UEThpDl", "DRB.OfferedLoadDl", "DRB.RlcSduDelayDl.P95", "DRB.PacketLossRateDl",
            "RRU.PrbUsedDl"]
    return steps.groupby("slice", sort=False)[cols].mean()


def episode_returns(rows: pd.DataFrame, keys: tuple[str, ...] | list[str] = ()) -> pd.Series:
    """The return of every episode, as everywhere in pamrl: the sum over its steps of each DU's reward, averaged
    over DUs. One value per (keys..., episode)."""
    keys = [*keys, "episode"]
    per_du = rows.groupby([*keys, "step", "du"], observed=True)["reward"].first()
    return per_du.groupby([*keys, "du"], observed=True).sum().groupby(keys, observed=True).mean().rename("return")
