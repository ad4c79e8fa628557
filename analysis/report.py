"""Executes the analysis notebooks headless (nbclient) on one results folder: `pamrl report --results DIR`.

Each notebook's first code cell holds its parameters; the runner replaces it with `results = "<DIR>"`. Executed
notebooks, figures (PNG) and tables (CSV) land in DIR/report/.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = sorted(Path(__file__).parent.glob("*.ipynb"))


def render(results: Path, timeout_s: int = 600) -> list[Path]:
    results = Path(results).resolve()
    report = results / "report"
    report.mkdir(parents=True, exist_ok=True)
    written = []
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        first = next(c for c in nb.cells if c.cell_type == "code")
        first.source = f"results = {str(results)!r}\nreport = {str(report)!r}"
        NotebookClient(nb, timeout=timeout_s, kernel_name="python3", resources={"metadata": {"path": str(report)}}).execute()
        out = report / path.name
        nbformat.write(nb, out)
        written.append(out)
    return written
