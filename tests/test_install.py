"""`pip install .` (not editable) into a fresh virtual environment gives a working `pamrl`: the scenario catalog and
the wire schema travel as package data, so nothing needs the checkout, only the simulator binary.

The fresh environment borrows the dependencies (numpy, pandas, pyzmq, ...) from this checkout's .venv through a
.pth file, so the test needs no network; pamrl itself is built and installed into the fresh environment, and the
commands run from a folder outside the checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def test_a_plain_install_runs_scenario_and_simulate(tmp_path, simulator_binary):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "borrowed-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # what a source distribution holds (the build writes build/ next to the sources: not into the checkout)
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "agent", source / "agent", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                    "--no-build-isolation", "--no-cache-dir", str(source)], check=True, cwd=tmp_path, timeout=300)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAMRL_") and k != "PYTHONPATH"}
    where = subprocess.run([str(python), "-c", "import pamrl.bridge.protocol as p, pamrl.bridge.scenario as s; "
                            "print(p.__file__); print(s.SCENARIO_DIR)"], check=True, capture_output=True, text=True,
                           cwd=elsewhere, env=env).stdout.split()
    assert all(Path(w).is_relative_to(site) for w in where), f"pamrl not imported from the fresh install: {where}"

    pamrl = venv / "bin" / "pamrl"
    resolved = subprocess.run([str(pamrl), "scenario", "paper+vehicular"], check=True, capture_output=True,
                              text=True, cwd=elsewhere, env=env).stdout
    assert json.loads(resolved)["ran"]["num_dus"] == 6

    env["PAMRL_SIMULATOR"] = str(simulator_binary)
    subprocess.run([str(pamrl), "simulate", "--scenario", "small", "--policy", "equal", "--seed", "1",
                    "--steps", "3", "--out", str(elsewhere / "run")], check=True, capture_output=True,
                   cwd=elsewhere, env=env, timeout=300)
    steps = pd.read_parquet(elsewhere / "run" / "steps")
    assert sorted(steps["step"].unique()) == [1, 2, 3] and set(steps["slice"]) == {"embb", "urllc", "mmtc"}


def test_every_command_prints_its_help(capsys):
    """--help renders every setting's documentation (argparse %-formats help text: a doc mentioning '2 %' broke
    `pamrl train --help` until the docs were escaped)."""
    import pytest

    from pamrl.cli import build_parser, main

    commands = build_parser()._subparsers._group_actions[0].choices
    assert {"train", "experiment", "evaluate"} <= set(commands)
    for command in commands:
        with pytest.raises(SystemExit) as exit_:
            main([command, "--help"])
        assert exit_.value.code == 0, command
    main_help = capsys.readouterr().out
    assert "--llm-precision" in main_help and "bf16-mixed" in main_help
