"""The mentor's HTML report opened in headless Chromium: it renders with no console errors.

Needs the Debian package ``chromium`` (the project's setup script installs it).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from evaluator.reporting import render_html
from tests.samples import full_report, mnist_report, previous_attempt

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1280, 2000


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("headless Chromium not installed (Debian package: chromium)")
    return found


def _open(chromium: str, page: Path, tmp_path: Path) -> tuple[Path, list[str]]:
    """Screenshot ``page``; return the PNG and the console messages Chromium logged."""
    shot = tmp_path / f"{page.stem}.png"
    argv = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr", "--v=0",
        f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}", page.as_uri(),
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    # Chromium logs every console message (errors, uncaught exceptions, CSP
    # violations) as an INFO:CONSOLE line on stderr.
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return shot, console


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_report_renders_without_console_errors(chromium: str, tmp_path: Path, lang: str) -> None:
    page = tmp_path / f"report-{lang}.html"
    page.write_text(render_html(full_report(), lang, previous=previous_attempt()), "utf-8")
    shot, console = _open(chromium, page, tmp_path)
    assert console == []
    assert _png_size(shot) == (WIDTH, HEIGHT)
    assert shot.stat().st_size > 20_000  # a blank page compresses to a few KiB


def test_benchmark_report_renders_without_console_errors(chromium: str, tmp_path: Path) -> None:
    page = tmp_path / "mnist.html"
    page.write_text(render_html(mnist_report(), "en"), "utf-8")
    _, console = _open(chromium, page, tmp_path)
    assert console == []


def test_console_errors_are_detected(chromium: str, tmp_path: Path) -> None:
    # Guards the test above: a page that does log errors must be caught.
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>missingFunction();</script></body></html>", "utf-8")
    _, console = _open(chromium, page, tmp_path)
    assert any("Uncaught ReferenceError" in line for line in console)
