"""The code stays ruff-clean (lint and format), checked with the project's own config."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def test_ruff_lint_and_format_are_clean():
    for args in (["check"], ["format", "--check"]):
        completed = subprocess.run(
            [sys.executable, "-m", "ruff", *args, "prep", "tests", "bench"], cwd=ROOT, capture_output=True, text=True
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr
