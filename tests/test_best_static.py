"""best-static: the search's lattice of whole RBGs, and a real search on the simulator where the DUs differ."""

import dataclasses

import numpy as np
import pytest
import pandas as pd
import torch

from pamrl.best_static import moves, rbg_grid
from pamrl.bridge.scenario import SCENARIO_DIR, VARIANT_DIR, RanConfig
from pamrl.config import TrainConfig
from pamrl.train import train


def test_rbg_lattice():
    # LTE's type-0 RBG sizes (TS 36.213 7.1.6.1), which nr uses too unless rbg_size is set; LTE's last RBG takes
    # the PRBs left over, nr schedules whole RBGs only.
    sizes = (6, 15, 25, 50, 75, 100)
    assert [RanConfig(backend="lte", bandwidth_rbs=n).rbgs_per_du for n in sizes] == [6, 8, 13, 17, 19, 25]
    assert [RanConfig(backend="nr", bandwidth_rbs=n).rbgs_per_du for n in sizes] == [6, 7, 12, 16, 18, 25]
    assert RanConfig(bandwidth_rbs=100, rbg_size=8).rbgs_per_du == 12
    grid = rbg_grid(13, 2)
    assert (grid.sum(axis=1) == 13).all() and (grid >= 1).all()
    assert len({tuple(p) for p in grid}) == len(grid) == 15
    m = moves(np.array([8, 3, 2]), 2)
    assert sum(x is None for x in m) == 2  # mMTC cannot give 2 of its 2 RBGs away (eMBB and URLLC receivers)
    assert all(x.sum() == 13 and x.min() >= 1 for x in m if x is not None)


def test_hotspot_search_gives_each_du_its_own_best_shares(tmp_path, simulator_binary):
    scen = tmp_path / "hot.yaml"
    scen.write_text(f"extends: [{SCENARIO_DIR / 'small.yaml'}, {VARIANT_DIR / 'hotspot.yaml'}]\nname: hot\n"
                    "control: {episode_steps: 4, warmup_ms: 200}\n")
    out = train(TrainConfig(scenario=str(scen), method="best-static", episodes=5, static_grid_step=0.3,
                            static_search_episodes=1, out=str(tmp_path / "bs")))
    search = pd.read_parquet(out / "search.parquet")
    ckpt = torch.load(out / "checkpoint.pt", weights_only=True)
    shares = ckpt["static_shares"].numpy()
    assert shares.shape == (2, 3) and np.allclose(shares.sum(axis=1), 1)
    for du in (0, 1):  # each DU keeps the candidate that scored best on that DU
        mine = search[search["du"] == du]
        best = mine.loc[mine["return"].idxmax()]
        assert np.allclose(shares[du], best[["share_embb", "share_urllc", "share_mmtc"]].to_numpy(dtype=float))
    # a finished search is not run again on --resume, but not under a search setting it was not run with
    cfg = TrainConfig(scenario=str(scen), method="best-static", episodes=5, static_grid_step=0.3,
                      static_search_episodes=1, out=str(tmp_path / "bs"), resume=True)
    assert train(cfg) == out
    with pytest.raises(ValueError, match="static_search_episodes: checkpoint 1, this run 2"):
        train(dataclasses.replace(cfg, static_search_episodes=2))
