"""The simulator built against ns-3 and nr as released, without our patch series: the baseline our patches are
measured against (benchmarks/paper_speed.py --against-unpatched).

`PAMRL_NS3_PATCHES=none scripts/build-ns3.sh` builds that ns-3 once per machine under its own cache key; the
scenario program is then built against it in $PAMRL_CACHE/scenarios-<that build's name>. Both steps are cached:
the first call costs a full ns-3 build (~30 min on 2 cores), later ones seconds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def unpatched_simulator() -> Path:
    """Path of a pamrl-slicing-scenario binary linked against the unpatched ns-3 build (built if missing)."""
    env = dict(os.environ, PAMRL_NS3_PATCHES="none")
    prefix = subprocess.run([str(REPO / "scripts" / "build-ns3.sh")], env=env, capture_output=True, text=True,
                            check=True).stdout.strip().splitlines()[-1]
    cache = Path(os.environ.get("PAMRL_CACHE", Path.home() / ".cache" / "pamrl"))
    build = cache / f"scenarios-{Path(prefix).name}"
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    subprocess.run(["cmake", "-S", str(REPO / "ns3-scenarios"), "-B", str(build), *generator,
                    "-DCMAKE_BUILD_TYPE=Release", f"-DNS3_PREFIX={prefix}"], check=True, capture_output=True)
    subprocess.run(["cmake", "--build", str(build), "-j", str(os.cpu_count() or 1), "--target",
                    "pamrl-slicing-scenario"], check=True, capture_output=True)
    return build / "pamrl-slicing-scenario"
