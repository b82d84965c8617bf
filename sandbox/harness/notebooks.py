"""Notebook run, INSIDE the sandbox (evaluator-owned, mounted read-only).

    python -I -S notebooks.py PLAN.json

In order, each step only when the plan asks for it:

1. the learner's pipeline command (``pipeline:`` in capstone.yaml), with its own
   time budget; image files it writes are counted;
2. each notebook, headless on a fresh IPython kernel (nbclient) in the
   notebook's folder, cell by cell with a per-cell timeout, stopping at the
   first error as "Restart & Run All" does; cells the plan marks as needing a
   Databricks runtime are not run; per cell, the kinds of output it displayed;
3. the SQLite database the pipeline names, opened read-only here (never on the host).

Each step is reported on the result stream as it ends, so a run stopped by its
wall-time limit still reports what finished. ``-I`` keeps the workspace off this process's
``sys.path``: a learner module named like a library cannot replace the runner; ``-S``
keeps the ``.pth`` files of the learner's dependencies out (the stack's folders are added
without them).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _child import Child, emit, take_result_stream, use_site_packages

HARNESS_VERSION = "1"
WORKSPACE = Path("/workspace")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg", ".gif", ".pdf", ".webp")
MAX_SCANNED_FILES = 50_000
MAX_TABLES = 200
SOURCE_EXCERPT = 1500
TRACEBACK_CHARS = 4000
MARGIN_S = 5.0
#: Script calls that draw a chart in HTML output (plotly, vega/altair, bokeh).
FIGURE_HTML = ("Plotly.newPlot", "vegaEmbed(", "Bokeh.embed")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _now() -> float:
    return time.monotonic()


def _image_files(root: Path) -> dict[str, tuple[int, int]]:
    """Image files under ``root`` -> (mtime_ns, size)."""
    found: dict[str, tuple[int, int]] = {}
    seen = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            seen += 1
            if seen > MAX_SCANNED_FILES:
                return found
            if name.lower().endswith(IMAGE_SUFFIXES):
                path = Path(folder) / name
                try:
                    stat = path.lstat()
                except OSError:
                    continue
                found[path.relative_to(root).as_posix()] = (stat.st_mtime_ns, stat.st_size)
    return found


def _digest(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            return hashlib.sha256(handle.read(64 * 1024 * 1024)).hexdigest()
    except OSError:
        return None


def run_pipeline(spec: dict[str, Any], deadline: float) -> dict[str, Any]:
    """Run the pipeline command; what it wrote and how it ended."""
    database = spec.get("database")
    committed = bool(database) and (WORKSPACE / database).is_file()
    if committed:
        (WORKSPACE / database).unlink()  # the run must produce it, not the repository
    before = _image_files(WORKSPACE)
    child = Child(str(spec["command"]), cwd=str(WORKSPACE))
    budget = min(float(spec["time_budget_s"]), deadline - _now())
    code = child.wait(budget)
    stopped = child.stop()
    after = _image_files(WORKSPACE)
    written = sorted(p for p, stamp in after.items() if before.get(p) != stamp)
    digests = {_digest(WORKSPACE / p) for p in written} - {None}
    return {
        "exit_code": code,
        "timed_out": code is None,
        "budget_s": budget,
        "seconds": round(_now() - child.started, 3),
        "stopped": stopped,
        "log_tail": child.tail(),
        "images": written[:200],
        "distinct_images": len(digests),
        "database_committed": committed,
    }


def summarise_outputs(outputs: list[Any]) -> list[dict[str, Any]]:
    """What each displayed output was: its MIME types, and whether it holds an HTML table."""
    summary = []
    for output in outputs:
        kind = output.get("output_type")
        if kind not in ("display_data", "execute_result"):
            continue
        data = output.get("data") or {}
        html = data.get("text/html", "")
        html = "".join(html) if isinstance(html, list) else str(html)
        head = html[:500_000]
        summary.append(
            {
                "type": kind,
                "mimes": sorted(data)[:20],
                "table": "<table" in head.lower(),
                "figure_html": any(marker in head for marker in FIGURE_HTML),
            }
        )
    return summary


def _excerpt(source: str) -> str:
    lines = source.split("\n")
    text = "\n".join(lines[:15]) + ("\n..." if len(lines) > 15 else "")
    return text[:SOURCE_EXCERPT]


def _traceback(cell: Any) -> str:
    """The traceback the kernel displayed for the error in ``cell`` (empty if none)."""
    for output in reversed(cell.get("outputs", []) if cell is not None else []):
        if output.get("output_type") == "error":
            return "\n".join(str(line) for line in output.get("traceback", []))
    return ""


def _failure(number: int, cell: Any, name: str, message: str, trace: str = "") -> dict[str, Any]:
    return {
        "cell": number,
        "source": _excerpt(str(cell.source)) if cell is not None else "",
        "ename": name,
        "evalue": _ANSI.sub("", message)[:1000],
        "traceback": _ANSI.sub("", trace)[-TRACEBACK_CHARS:],
    }


def _client(notebook: Any, folder: Path, timeout: int) -> Any:
    from nbclient import NotebookClient

    # The client owns its kernel manager, so leaving setup_kernel() kills the kernel and
    # its process group, also one still busy in a cell that timed out. (Kernel ports are
    # on the container's own loopback; nbclient's timeouts do not fire over IPC sockets.)
    return NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=timeout,
        startup_timeout=60,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(folder)}},
    )


def _execute(client: Any, notebook: Any, skip: set[int], limits: tuple[float, float]) -> dict:
    """Run the code cells in order; stops at the first error as Run All does."""
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    cell_timeout, deadline = limits
    cells: list[dict[str, Any]] = []
    number, cell = 0, None
    try:
        with client.setup_kernel():
            for number, cell in enumerate(notebook.cells, start=1):
                if cell.cell_type != "code" or number in skip or not str(cell.source).strip():
                    continue
                # Whole seconds: older nbclient releases take an integer timeout only.
                client.timeout = int(max(1.0, min(cell_timeout, deadline - _now() - MARGIN_S)))
                began = _now()
                try:
                    client.execute_cell(cell, number - 1)
                finally:
                    cells.append(
                        {
                            "cell": number,
                            "seconds": round(_now() - began, 3),
                            "outputs": summarise_outputs(cell.get("outputs", [])),
                        }
                    )
    except CellTimeoutError:
        seconds = client.timeout
        message = f"did not finish within {seconds:.0f} s (the per-cell timeout) and was stopped"
        return {
            "status": "timeout",
            "cells": cells,
            "failure": _failure(number, cell, "CellTimeout", message),
        }
    except CellExecutionError as exc:
        failure = _failure(number, cell, exc.ename, exc.evalue, _traceback(cell) or exc.traceback)
        return {"status": "failed", "cells": cells, "failure": failure}
    except DeadKernelError as exc:
        failure = _failure(number, cell, "DeadKernel", f"the kernel died: {exc}")
        return {"status": "crashed", "cells": cells, "failure": failure}
    except Exception as exc:  # noqa: BLE001 - a kernel that will not start, a broken notebook
        failure = _failure(number, cell, type(exc).__name__, str(exc))
        return {"status": "crashed", "cells": cells, "failure": failure}
    return {"status": "executed", "cells": cells, "failure": None}


def run_notebook(
    entry: dict[str, Any], inputs: Path, cell_timeout: float, deadline: float
) -> dict[str, Any]:
    """Execute one prepared notebook in its folder of the workspace."""
    import nbformat

    began = _now()
    result: dict[str, Any] = {"path": entry["path"], "cells": [], "failure": None}
    if deadline - _now() < 2 * MARGIN_S:
        return {**result, "status": "not-run", "seconds": 0.0}
    try:
        notebook = nbformat.read(str(inputs / entry["file"]), as_version=4)
    except Exception as exc:  # noqa: BLE001 - whatever nbformat makes of a broken file
        failure = _failure(0, None, type(exc).__name__, str(exc))
        return {**result, "status": "invalid", "failure": failure, "seconds": 0.0}
    folder = (WORKSPACE / entry["path"]).parent
    skip = {int(n) for n in entry.get("skip", [])}
    try:
        client = _client(notebook, folder, int(cell_timeout))
    except Exception as exc:  # noqa: BLE001 - reported, and the next notebook still runs
        failure = _failure(0, None, type(exc).__name__, str(exc))
        return {**result, "status": "crashed", "failure": failure, "seconds": 0.0}
    outcome = _execute(client, notebook, skip, (cell_timeout, deadline))
    return {**result, **outcome, "seconds": round(_now() - began, 3)}


def _count_rows(connection: sqlite3.Connection, table: str) -> int | None:
    quoted = '"' + table.replace('"', '""') + '"'
    try:
        return int(connection.execute(f"SELECT COUNT(*) FROM {quoted}").fetchone()[0])  # noqa: S608
    except sqlite3.Error:
        return None


def inspect_database(relative: str, deadline: float) -> dict[str, Any]:
    """Tables and row counts of the SQLite file, opened read-only."""
    path = WORKSPACE / relative
    if not path.is_file() or path.is_symlink():
        return {"exists": False}
    uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True, timeout=1)
        # A hostile file cannot keep the inspection past the run's deadline.
        connection.set_progress_handler(lambda: int(_now() > deadline), 10_000)
        connection.execute("PRAGMA query_only = 1")
        check = str(connection.execute("PRAGMA quick_check").fetchone()[0])
        names = [
            str(row[0])
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        tables = {name: _count_rows(connection, name) for name in names[:MAX_TABLES]}
        connection.close()
    except sqlite3.Error as exc:
        return {"exists": True, "error": f"{type(exc).__name__}: {exc}"[:500]}
    return {
        "exists": True,
        "quick_check": check[:500],
        "tables": tables,
        "truncated": len(names) > MAX_TABLES,
    }


def main(plan_path: str) -> int:
    take_result_stream()
    use_site_packages()
    started = _now()
    plan = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    deadline = started + float(plan["deadline_s"])
    inputs = Path(plan_path).parent
    if plan.get("pipeline"):
        emit("pipeline", run_pipeline(plan["pipeline"], deadline))
    # Kernels show figures inline, whatever MPLBACKEND the sandbox sets for scripts.
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    for entry in plan.get("notebooks", []):
        emit("notebook", run_notebook(entry, inputs, float(plan["cell_timeout_s"]), deadline))
    if plan.get("database"):
        emit("database", inspect_database(str(plan["database"]), deadline))
    emit("end", {"harness": HARNESS_VERSION, "seconds": round(_now() - started, 3)})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
