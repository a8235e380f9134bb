"""The test stack: PostgreSQL, redis-server and checkpointd, started by the workspace's
``checkpointd-test-stack`` program (packages/test-support, built by ``pnpm run build``)."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
STACK_BIN = REPO / "packages" / "test-support" / "bin" / "checkpointd-test-stack.js"
STACK_MAIN = REPO / "packages" / "test-support" / "dist" / "test-stack-main.js"
CLI = REPO / "packages" / "server" / "dist" / "cli.js"


@dataclass
class Stack:
    address: str
    http_port: int | None
    database_url: str | None
    redis_url: str | None
    process: subprocess.Popen[str]
    stderr: list[str]

    def stop(self, timeout: float = 30.0) -> None:
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()  # the stack tears down when its stdin closes
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            self.process.wait(timeout=10)


def start_stack(backend: str = "postgres", timeout: float = 90.0) -> Stack:
    if not STACK_MAIN.exists():
        raise RuntimeError(f"{STACK_MAIN} is missing: run `pnpm run build` at the repository root first")
    process = subprocess.Popen(
        ["node", str(STACK_BIN), "--backend", backend],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ},
    )
    stderr: list[str] = []
    assert process.stderr is not None and process.stdout is not None
    threading.Thread(target=lambda: stderr.extend(process.stderr), daemon=True).start()  # type: ignore[arg-type]
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    if not line or not line[0].strip():
        process.kill()
        raise RuntimeError(f"the test stack did not start within {timeout} s:\n{''.join(stderr)}")
    ready = json.loads(line[0])
    return Stack(
        address=ready["address"],
        http_port=ready.get("httpPort"),
        database_url=ready.get("databaseUrl"),
        redis_url=ready.get("redisUrl"),
        process=process,
        stderr=stderr,
    )


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Replica:
    """One more checkpointd process on the stack's PostgreSQL and Redis, on a port of our choosing,
    that a test can stop and start again."""

    def __init__(
        self, stack: Stack, port: int, args: tuple[str, ...] = (), env: dict[str, str] | None = None
    ) -> None:
        self.stack = stack
        self.port = port
        self.args = args
        self.env = env or {}
        self.process: subprocess.Popen[str] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "DATABASE_URL": self.stack.database_url or "",
            "REDIS_URL": self.stack.redis_url or "",
            "LOG_LEVEL": "info",
            # A free port: several servers run side by side.
            "METRICS_PORT": "0",
            **self.env,
        }
        process = subprocess.Popen(
            [
                "node",
                str(CLI),
                "serve",
                "--port",
                str(self.port),
                "--http-port",
                "off",
                "--shutdown-grace-ms",
                "500",
                *self.args,
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.process = process
        listening = threading.Event()

        def read() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                if '"msg":"checkpointd listening"' in line:
                    listening.set()

        threading.Thread(target=read, daemon=True).start()
        if not listening.wait(timeout):
            process.kill()
            raise RuntimeError(f"checkpointd on port {self.port} did not start within {timeout} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None
