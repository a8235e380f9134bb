"""The clients across a real server restart: retries carry a call over the gap, and a watch
reconnects and resumes after the last event id it saw."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from checkpoints import config, make_checkpoint
from stack import Replica, Stack, free_port

from checkpointd import CheckpointdClient, CheckpointdSaver, ReconnectPolicy


@pytest.fixture
def replica(stack: Stack) -> Iterator[Replica]:
    running = Replica(stack, free_port())
    running.start()
    yield running
    running.stop()


def test_put_retries_across_a_restart_and_watch_misses_nothing(replica: Replica, thread_id: str) -> None:
    reconnects: list[int] = []
    events: list[tuple[int, str | None]] = []
    with CheckpointdClient(replica.address, timeout=30) as client:
        saver = CheckpointdSaver.from_url(replica.address, timeout=30)
        watch = client.watch(
            [thread_id],
            reconnect=ReconnectPolicy(initial_backoff=0.1, max_backoff=0.5),
            on_reconnect=lambda attempt, error: reconnects.append(attempt),
        )
        saw_three = threading.Event()

        def collect() -> None:
            for event in watch:
                events.append((event.event_id, event.WhichOneof("kind")))
                if len([e for e in events if e[1] == "checkpoint_saved"]) == 3:
                    saw_three.set()
                    return

        reader = threading.Thread(target=collect, daemon=True)
        reader.start()
        v = saver.get_next_version(None)
        first = saver.put(config(thread_id), make_checkpoint({"n": 1}, {"n": v}, step=-1), {}, {"n": v})

        replica.stop()
        restarted = threading.Timer(1.0, replica.start)
        restarted.start()
        started = time.monotonic()
        v2 = saver.get_next_version(v)
        second = saver.put(first, make_checkpoint({"n": 2}, {"n": v2}, step=0), {}, {"n": v2})  # retried until back
        assert time.monotonic() - started >= 0.9
        restarted.join()
        v3 = saver.get_next_version(v2)
        saver.put(second, make_checkpoint({"n": 3}, {"n": v3}, step=1), {}, {"n": v3})

        assert saw_three.wait(20), f"the watch saw {events}"
        watch.close()
        saver.close()
    # Every event once, in order: the replay after the reconnect starts after the last id seen.
    assert events == [(1, "checkpoint_saved"), (2, "checkpoint_saved"), (3, "checkpoint_saved")]
    assert reconnects, "the watch did not need to reconnect"
