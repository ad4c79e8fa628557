"""The PettingZoo environment over the real ns-3 scenario."""

import time

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test, parallel_seed_test

from pamrl.bridge.env import SlicingEnv, project_to_simplex
from pamrl.bridge.protocol import KPI_NAMES, NUM_KPIS

from conftest import shortened

THP = KPI_NAMES.index("DRB.UEThpDl")
OFFERED = KPI_NAMES.index("DRB.OfferedLoadDl")
PRB_AVAIL = KPI_NAMES.index("RRU.PrbAvailDl")


def run_episode(scenario, seed, shares):
    env = SlicingEnv(scenario)
    try:
        env.reset(seed=seed)
        tables, rewards = [env.kpis.copy()], []
        while env.agents:
            _, r, _, trunc, _ = env.step({a: np.asarray(shares, dtype=np.float32) for a in env.agents})
            tables.append(env.kpis.copy())
            rewards.append([r[a] for a in sorted(r)])
        return np.stack(tables), np.array(rewards), trunc
    finally:
        env.close()


def test_parallel_api(small_short, simulator_binary):
    env = SlicingEnv(small_short)
    try:
        parallel_api_test(env, num_cycles=small_short.control.episode_steps + 2)
    finally:
        env.close()


def test_parallel_seed(small_short, simulator_binary):
    parallel_seed_test(lambda: SlicingEnv(small_short))


def test_full_episode_truncates_and_reports(small, simulator_binary):
    tables, rewards, trunc = run_episode(small, seed=3, shares=[1 / 3] * 3)
    steps = small.control.episode_steps
    assert tables.shape == (steps + 1, small.ran.num_dus, 3, NUM_KPIS)
    assert rewards.shape == (steps, small.ran.num_dus)
    assert all(trunc.values())
    assert np.all((rewards >= 0) & (rewards <= 1))
    # Traffic flows in every slice of every DU, and delivered never exceeds offered by much.
    assert np.all(tables[1:, :, :, OFFERED].mean(axis=0) > 0)
    assert np.all(tables[1:, :, :, THP].sum(axis=0) <= tables[1:, :, :, OFFERED].sum(axis=0) * 1.1 + 0.1)


def test_same_seed_same_actions_bit_identical(small_short_each_backend, simulator_binary):
    scenario = small_short_each_backend
    a, ra, _ = run_episode(scenario, seed=7, shares=[0.5, 0.3, 0.2])
    b, rb, _ = run_episode(scenario, seed=7, shares=[0.5, 0.3, 0.2])
    c, _, _ = run_episode(scenario, seed=8, shares=[0.5, 0.3, 0.2])
    assert np.array_equal(a, b) and np.array_equal(ra, rb)
    assert not np.array_equal(a, c)


def test_more_share_for_saturated_slice_raises_its_throughput(small_short_each_backend, simulator_binary):
    # eMBB offers ~9 Mbit/s per DU, more than a third of 25 RBs carries: it is saturated at equal shares.
    low, _, _ = run_episode(small_short_each_backend, seed=2, shares=[0.3, 0.35, 0.35])
    high, _, _ = run_episode(small_short_each_backend, seed=2, shares=[0.8, 0.1, 0.1])
    embb_low = low[2:, :, 0, THP].mean()
    embb_high = high[2:, :, 0, THP].mean()
    assert embb_high > 1.3 * embb_low, (embb_low, embb_high)
    assert high[2:, :, 0, PRB_AVAIL].mean() > low[2:, :, 0, PRB_AVAIL].mean()
    # Physics: no DU delivers more than its carrier can carry, RBs x 12 x 15 kHz x 5.55 bit/s/Hz (64-QAM at code
    # rate 948/1024, the top of LTE's CQI table and of nr's MCS table 1).
    bound = small_short_each_backend.ran.bandwidth_rbs * 12 * 15e3 * 948 / 1024 * 6 / 1e6
    assert 0.1 * bound < high[1:, :, :, THP].sum(axis=2).max() <= bound


def test_actions_are_projected_onto_the_simplex():
    assert np.allclose(project_to_simplex(np.array([2.0, 1.0, 1.0])), [0.5, 0.25, 0.25])
    assert np.allclose(project_to_simplex(np.array([0.0, 0.0, 0.0])), [1 / 3] * 3)
    assert np.allclose(project_to_simplex(np.array([-1.0, np.nan, 1.0])), [0, 0, 1])


def test_state_is_all_observations(small_short, simulator_binary):
    env = SlicingEnv(small_short)
    try:
        obs, _ = env.reset(seed=1)
        assert env.state().shape == env.state_space.shape
        assert np.array_equal(env.state(), np.concatenate([obs[a] for a in env.possible_agents]))
    finally:
        env.close()


def test_simulate_command_writes_parquet(tmp_path, simulator_binary):
    import pandas as pd

    from pamrl.cli import main as cli

    assert cli(["simulate", "--scenario", "small", "--policy", "equal", "--seed", "1", "--out", str(tmp_path),
                "--steps", "3"]) == 0
    df = pd.read_parquet(tmp_path / "steps")
    assert sorted(df["step"].unique()) == [1, 2, 3]
    assert set(df["slice"]) == {"embb", "urllc", "mmtc"} and set(df["du"]) == {0, 1}
    assert {"DRB.UEThpDl", "RRU.PrbUsedDl", "qos", "reward", "share"} <= set(df.columns)
    assert df["share"].round(6).eq(round(1 / 3, 6)).all()


def test_fractional_control_period_is_kept(small, simulator_binary):
    scenario = shortened(small, 3, period_ms=12.5)
    env = SlicingEnv(scenario)
    try:
        env.reset(seed=1)
        times = [env.time_s]
        while env.agents:
            env.step({a: np.array([1 / 3] * 3, np.float32) for a in env.agents})
            times.append(env.time_s)
    finally:
        env.close()
    assert np.allclose(np.diff(times), 0.0125)


def test_nr_3gpp_channel_is_a_scenario_option(small, simulator_binary):
    # nr's TR 38.901 UMi channel instead of ours: the run works, traffic flows, and the radio conditions differ.
    short = shortened(small, 2)
    umi = short.model_copy(update={"ran": short.ran.model_copy(update={"nr_channel": "3gpp-umi"})})
    ours, _, _ = run_episode(short, seed=5, shares=[0.5, 0.3, 0.2])
    theirs, _, _ = run_episode(umi, seed=5, shares=[0.5, 0.3, 0.2])
    assert theirs[1:, :, :, THP].sum() > 0
    sinr = KPI_NAMES.index("L1M.SinrDl")
    assert not np.allclose(theirs[1:, :, :, sinr], ours[1:, :, :, sinr])


def test_attach_mode_hands_a_waiting_simulator_to_the_next_job(small, simulator_binary):
    # The compose demo job: training then evaluation in one process over one endpoint. A simulator that connected
    # while the first job ended (its "hello" already queued) is served by the second job, not left waiting.
    from pamrl.bridge.env import default_endpoint
    from pamrl.bridge.simulator import SimulatorProcess

    scenario = shortened(small, 2)
    endpoint = default_endpoint()

    def simulator():
        return SimulatorProcess([str(simulator_binary), f"--connect={endpoint}", "--timeoutMs=20000"])

    first = SlicingEnv(scenario, endpoint=endpoint, attach=True, dismiss_on_close=False, connect_timeout_s=20)
    a = simulator()
    first.reset(seed=1)
    while first.agents:
        first.step({x: np.array([0.5, 0.3, 0.2], dtype=np.float32) for x in first.agents})
    assert a.wait(timeout_s=20) == 0
    b = simulator()
    time.sleep(1.0)  # b's hello reaches the open endpoint before the first job closes
    first.close()
    second = SlicingEnv(scenario, endpoint=endpoint, attach=True, connect_timeout_s=20)
    try:
        second.reset(seed=2)
        while second.agents:
            second.step({x: np.array([0.5, 0.3, 0.2], dtype=np.float32) for x in second.agents})
        assert b.wait(timeout_s=20) == 0
        c = simulator()  # the next one is told there is no more work (exit code 5)
        second.close()
        assert c.wait(timeout_s=20) == 5
    finally:
        second.close()
        for p in (a, b):
            p.kill()
