"""Executes the analysis notebooks headless (nbclient) on one results folder: `pamrl report --results DIR`.

Each notebook's first code cell holds its parameters; the runner replaces it with `results = "<DIR>"`. Executed
notebooks, figures (PNG) and tables (CSV) land in DIR/report/.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS = sorted(Path(str(resources.files("pamrl.analysis") / "notebooks")).glob("*.ipynb"))  # package data


def render(results: Path, timeout_s: int = 600, failures: dict[str, str] | None = None) -> list[Path]:
    """Executes every notebook; returns the ones that ran through. A notebook that stops on an error (e.g. the
    token sweep of an experiment without PA-MRL runs yet) is still written, up to that cell, and its error goes
    into `failures` (name -> last line of the error) when given, else it is raised."""
    results = Path(results).resolve()
    report = results / "report"
    report.mkdir(parents=True, exist_ok=True)
    written = []
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        first = next(c for c in nb.cells if c.cell_type == "code")
        first.source = f"results = {str(results)!r}\nreport = {str(report)!r}"
        out = report / path.name
        try:
            NotebookClient(nb, timeout=timeout_s, kernel_name="python3",
                           resources={"metadata": {"path": str(report)}}).execute()
        except CellExecutionError as e:
            nbformat.write(nb, out)
            if failures is None:
                raise
            failures[path.stem] = str(e).strip().splitlines()[-1]
            continue
        nbformat.write(nb, out)
        written.append(out)
    return written
