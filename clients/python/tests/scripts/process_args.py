"""Arguments, a time limit and the one-line JSON report of a test process."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from typing import Any


def process_args(*names: str) -> dict[str, str]:
    parser = argparse.ArgumentParser()
    for name in names:
        parser.add_argument(f"--{name}", required=True)
    return vars(parser.parse_args())


def exit_after(seconds: float, what: str) -> None:
    """Ends the process with an error if it is still running after ``seconds`` (its loops are bounded)."""

    def give_up() -> None:
        sys.stderr.write(f"{what}: gave up after {seconds} s\n")
        sys.stderr.flush()
        os._exit(2)

    timer = threading.Timer(seconds, give_up)
    timer.daemon = True
    timer.start()


def report(value: dict[str, Any]) -> None:
    print(json.dumps({"pid": os.getpid(), **value}), flush=True)
