"""Scenario files: one schema, errors that name the field and the allowed values, before any process starts."""

from pathlib import Path

import pytest

from pamrl.bridge.env import SlicingEnv
from pamrl.bridge.errors import ScenarioError
from pamrl.bridge.scenario import SCENARIO_DIR, load_scenario
from pamrl.cli import main as cli


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.mark.parametrize("path", sorted(SCENARIO_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_bundled_scenarios_validate(path):
    s = load_scenario(path)
    assert s.to_simulator()["ran"]["num_dus"] == s.ran.num_dus
    assert len(s.to_simulator()["slices"]) == 3


def test_paper_scale():
    s = load_scenario("paper")
    ues = s.ran.num_dus * sum(s.slice(n).ues_per_du for n in ("embb", "urllc", "mmtc"))
    assert (s.ran.num_dus, s.ran.bandwidth_rbs) == (6, 100)
    assert 190 <= ues <= 210


@pytest.mark.parametrize(
    "patch, field, allowed",
    [
        ("ran: {num_dus: 40}", "ran.num_dus", "less than or equal to 16"),
        ("ran: {bandwidth_rbs: 30}", "ran.bandwidth_rbs", "6, 15, 25, 50, 75 or 100"),
        ("control: {period_ms: 5}", "control.period_ms", "greater than or equal to 10"),
        ("mobility: {model: teleport}", "mobility.model", "'static', 'random-walk', 'random-waypoint' or 'gauss-markov'"),
        ("fading: {profile: XYZ}", "fading.profile", "'EPA', 'EVA' or 'ETU'"),
        ("control: {initial_shares: [0.5, 0.5, 0.5]}", "control.initial_shares", "summing to 1"),
        ("ran: {num_duss: 2}", "ran.num_duss", "unknown field"),
        ("ran: {backend: foo}", "ran.backend", "'nr' or 'lte'"),
        ("ran: {numerology: 5}", "ran.numerology", "less than or equal to 4"),
        ("ran: {rbg_size: 3}", "ran.rbg_size", "1, 2, 4, 8 or 16"),
        ("ran: {nr_channel: free-space}", "ran.nr_channel", "'ours', '3gpp-umi' or '3gpp-uma'"),
        ("ran: {backend: lte, numerology: 1}", "ran", "remove numerology"),
    ],
)
def test_bad_field_names_field_and_range(tmp_path, patch, field, allowed):
    bad = write(tmp_path, "bad.yaml", f"extends: {SCENARIO_DIR / 'small.yaml'}\n{patch}\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(bad)
    assert field in str(e.value)
    assert allowed in str(e.value)


def test_bad_scenario_fails_before_any_process(tmp_path, monkeypatch):
    bad = write(tmp_path, "bad.yaml", f"extends: {SCENARIO_DIR / 'small.yaml'}\nran: {{num_dus: 0}}\n")
    started = []
    monkeypatch.setattr("pamrl.bridge.env.SimulatorProcess", lambda *a, **k: started.append(a))
    with pytest.raises(ScenarioError, match="ran.num_dus"):
        SlicingEnv(bad)
    assert started == []


def test_cli_reports_bad_scenario(tmp_path, capsys):
    bad = write(tmp_path, "bad.yaml", f"extends: {SCENARIO_DIR / 'small.yaml'}\nslices: {{embb: {{ues_per_du: -1}}}}\n")
    assert cli(["simulate", "--scenario", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "slices.embb.ues_per_du" in err and "greater than or equal to 0" in err


def test_layering_changes_only_what_it_states(tmp_path):
    variant = write(tmp_path, "v.yaml", f"extends: {SCENARIO_DIR / 'small.yaml'}\nname: v\nmobility: {{model: static}}\n")
    base, v = load_scenario("small"), load_scenario(variant)
    assert v.mobility.model == "static" and v.name == "v"
    assert v.slices == base.slices and v.ran == base.ran
    assert v.mobility.speed_max_mps == base.mobility.speed_max_mps


def test_extends_cycle_is_an_error(tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\n")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(tmp_path / "a.yaml")


def test_doppler_follows_speed():
    s = load_scenario("small")
    # 1.5 m/s at 2.12 GHz: f_d = v f_c / c = 10.6 Hz
    assert s.doppler_hz == pytest.approx(1.5 * 2120e6 / 299792458.0)
    static = s.model_copy(update={"mobility": s.mobility.model_copy(update={"speed_max_mps": 0.0, "speed_min_mps": 0.0})})
    assert static.doppler_hz == s.fading.min_doppler_hz
