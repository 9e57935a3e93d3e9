"""Headless chromium for tests that look at a page the way a person does.

CI installs Debian's ``chromium``; there a missing browser fails the test, elsewhere it
is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars")


def chromium_or_skip() -> str:
    found = shutil.which("chromium")
    if found:
        return found
    message = "chromium is not on PATH; install it with `apt-get install chromium`"
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{message} (CI is set, so browser tests may not be skipped)", pytrace=False)
    pytest.skip(message)


def run_chromium(profile: Path, *args: str) -> str:
    done = subprocess.run([chromium_or_skip(), *_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"chromium failed ({done.returncode}):\n{done.stderr[-3000:]}"
    return done.stdout


def dump_dom(page: Path, tmp: Path) -> str:
    return run_chromium(tmp / "profile-dom", "--dump-dom", page.as_uri())


def screenshot(page: Path, tmp: Path, width: int, height: int) -> Path:
    shot = tmp / f"shot-{width}x{height}.png"
    run_chromium(tmp / "profile-shot", f"--screenshot={shot}", f"--window-size={width},{height}", page.as_uri())
    assert shot.is_file() and shot.stat().st_size > 10_000, "the screenshot is missing or blank"
    return shot
