"""What `pip install ./clients/python` ships: the generated package, its type stubs, py.typed."""

from __future__ import annotations

import importlib.resources
import subprocess
import sys


def test_the_installed_package_ships_stubs_and_types() -> None:
    root = importlib.resources.files("checkpointd")
    assert root.joinpath("py.typed").is_file()
    v1 = importlib.resources.files("checkpointd.v1")
    for module in ("checkpoint", "checkpoint_service", "watch"):
        assert v1.joinpath(f"{module}_pb2.py").is_file()
        assert v1.joinpath(f"{module}_pb2.pyi").is_file()
        assert v1.joinpath(f"{module}_pb2_grpc.py").is_file()


def test_the_client_imports_without_langgraph() -> None:
    """The saver is imported on first use: a client-only worker does not load LangGraph."""
    code = "import sys, checkpointd; checkpointd.CheckpointdClient; print('langgraph' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
