"""Runs the test programs in tests/scripts as separate OS processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

SCRIPTS = Path(__file__).parent / "scripts"


class Process:
    def __init__(self, script: str, **args: str) -> None:
        argv = [sys.executable, str(SCRIPTS / f"{script}.py")]
        for name, value in args.items():
            argv += [f"--{name}", value]
        self.script = script
        self.popen = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=SCRIPTS)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def result(self, timeout: float = 90) -> dict[str, Any]:
        """Waits for the exit; the report is the last stdout line."""
        stdout, stderr = self.popen.communicate(timeout=timeout)
        if self.popen.returncode != 0:
            raise AssertionError(f"{self.script} exited with {self.popen.returncode}:\n{stdout}\n{stderr}")
        report: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
        return report


def run(script: str, **args: str) -> dict[str, Any]:
    """subprocess.run of one script: start it and wait for its report."""
    return Process(script, **args).result()
