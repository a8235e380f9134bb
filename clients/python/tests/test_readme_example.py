"""The README's Python example, run exactly as written (only the address is the test server's)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[3] / "README.md"


def readme_example() -> str:
    section = re.search(
        r"<!-- python-example:start -->\n```python\n(.*?)```\n<!-- python-example:end -->",
        README.read_text(),
        re.DOTALL,
    )
    assert section is not None, "README.md has no python-example block"
    return section.group(1)


def test_the_readme_example_runs(address: str) -> None:
    code = readme_example()
    assert code.count('"127.0.0.1:50051"') == 1
    done = subprocess.run(
        [sys.executable, "-c", code.replace('"127.0.0.1:50051"', f'"{address}"')],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    expected = re.search(r"^    # (\[.*\])$", code, re.MULTILINE)
    assert expected is not None, "the example shows what it prints in a comment"
    assert done.stdout.strip() == expected.group(1)
