"""Starting and stopping the ns-3 scenario binary: an argv list (no shell), its own process group, and a kill of
the whole group on close, so nothing is left behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from pamrl.bridge.errors import SimulatorDied

BINARY_NAME = "pamrl-slicing-scenario"
# Where scripts/setup.sh builds the binary when this package runs from a checkout (agent/pamrl/bridge/ ->
# the checkout's root); an installed package has no checkout and finds the binary on $PAMRL_SIMULATOR or PATH.
_CHECKOUT = Path(__file__).resolve().parents[3]
CHECKOUT_BUILD = _CHECKOUT / "ns3-scenarios" / "build" if (_CHECKOUT / "pyproject.toml").is_file() else None


def find_simulator_binary() -> Path:
    """$PAMRL_SIMULATOR, else the build folder of this checkout, else `pamrl-slicing-scenario` on PATH."""
    candidates = [os.environ.get("PAMRL_SIMULATOR"), CHECKOUT_BUILD / BINARY_NAME if CHECKOUT_BUILD else None]
    on_path = shutil.which(BINARY_NAME)
    candidates.append(on_path)
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return Path(c)
    raise FileNotFoundError(
        f"simulator binary {BINARY_NAME} not found (looked at $PAMRL_SIMULATOR, "
        f"{CHECKOUT_BUILD or 'no checkout: an installed package'} and PATH): build it with scripts/setup.sh"
    )


def simulator_build() -> str:
    """The ns-3 build the simulator binary runs on (`--buildInfo`: versions and build key), or "unknown"."""
    try:
        result = subprocess.run([str(find_simulator_binary()), "--buildInfo"], capture_output=True, text=True, timeout=30)
        return result.stdout.strip() if result.returncode == 0 and result.stdout.strip() else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def jemalloc_path() -> str | None:
    """Debian's jemalloc, which makes ns-3 LTE ~1.27x faster (malloc/free dominate its profile)."""
    for p in ("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2"):
        if Path(p).exists():
            return p
    return None


# jemalloc backs its heap with transparent huge pages (THP): every slot touches every UE's PHY and MAC objects, a
# working set spread over tens of thousands of 4 KiB pages, and with 2 MiB pages far fewer TLB misses stall those
# reads. Paper scale ran 1.11x (NR) and 1.06x (LTE) faster in wall time on our AMD VM, KPIs identical
# (docs/speed.md, "Huge pages, control frames nobody reads"). Needs the kernel's THP mode "madvise" or "always" (under "never" jemalloc runs as
# without it). A MALLOC_CONF of the user's own replaces this one, e.g. MALLOC_CONF=thp:default to turn it off.
JEMALLOC_HUGE_PAGES = "thp:always,metadata_thp:always"
JEMALLOC_SMALL_PAGES = "thp:never,metadata_thp:disabled"  # 4 KiB pages even where the kernel's THP mode is "always"


def allocator_env(use_jemalloc: bool = True, huge_pages: bool = True) -> dict[str, str]:
    """Environment for a simulator process: jemalloc preloaded where installed, its heap on huge pages or
    (`huge_pages=False`) on 4 KiB pages; a MALLOC_CONF in the caller's environment wins. Empty without jemalloc."""
    lib = jemalloc_path() if use_jemalloc else None
    if not lib:
        return {}
    return {"LD_PRELOAD": lib,
            "MALLOC_CONF": os.environ.get("MALLOC_CONF", JEMALLOC_HUGE_PAGES if huge_pages else JEMALLOC_SMALL_PAGES)}


class SimulatorProcess:
    def __init__(self, argv: list[str], cwd: Path | None = None, use_jemalloc: bool = True) -> None:
        self.argv = argv
        env = dict(os.environ, **allocator_env(use_jemalloc))
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            argv,
            cwd=cwd or tempfile.gettempdir(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            env=env,
            start_new_session=True,  # own process group: close() kills everything it started
        )

    @property
    def pid(self) -> int:
        return self._proc.pid

    def returncode(self) -> int | None:
        return self._proc.poll()

    def stderr_tail(self, limit: int = 2000) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-limit:].strip()

    def check_alive(self) -> None:
        """Raises SimulatorDied if the process has exited (used while waiting for its messages)."""
        code = self._proc.poll()
        if code is not None:
            raise SimulatorDied(
                f"simulator exited with code {code} ({_describe_exit(code)}) before the episode ended; "
                f"stderr: {self.stderr_tail() or '(empty)'}"
            )

    def wait(self, timeout_s: float) -> int | None:
        try:
            return self._proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self._proc.poll() is None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._proc.wait()
        self._stderr.close()


def _describe_exit(code: int) -> str:
    if code < 0:
        return f"killed by signal {signal.Signals(-code).name}"
    return {0: "episode done", 2: "bad command line", 3: "bridge error", 4: "scenario error"}.get(code, "crashed")
