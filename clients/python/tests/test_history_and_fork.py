"""Time travel: get_state_history lists every step, as LangGraph's InMemorySaver does, and
invoking from an older checkpoint forks a branch that is listed beside the first one."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest
from graphs import build_chat_graph, build_nested_graph
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from checkpointd import CheckpointdSaver


@pytest.fixture
def saver(address: str) -> Iterator[CheckpointdSaver]:
    with CheckpointdSaver.from_url(address) as s:
        yield s


def shape(history: list[Any]) -> list[tuple[Any, ...]]:
    """What a user sees of each step, without ids and timestamps."""
    return [
        (s.metadata["source"], s.metadata["step"], s.next, s.values.get("messages"), s.parent_config is not None)
        for s in history
    ]


def two_turns(graph: Any, thread_id: str) -> list[Any]:
    config = {"configurable": {"thread_id": thread_id}}
    graph.invoke({"messages": ["my name is Chulsoo"]}, config)
    graph.invoke({"messages": ["what is my name?"]}, config)
    return list(graph.get_state_history(config))


def test_history_lists_every_step_like_langgraphs_own_saver(saver: CheckpointdSaver, thread_id: str) -> None:
    ours = two_turns(build_chat_graph(saver), thread_id)
    reference = two_turns(build_chat_graph(InMemorySaver()), thread_id)
    assert len(ours) == 6  # per turn: the input, the loop before "reply", the loop after it
    assert shape(ours) == shape(reference)
    assert [s.metadata["step"] for s in ours] == [4, 3, 2, 1, 0, -1]
    # Each step's parent is the step listed after it.
    for newer, older in pairwise(ours):
        assert newer.parent_config["configurable"]["checkpoint_id"] == older.config["configurable"]["checkpoint_id"]
    assert ours[0].values["messages"][-1] == "your name is Chulsoo"


def test_invoking_from_an_older_checkpoint_forks_a_branch(saver: CheckpointdSaver, thread_id: str) -> None:
    graph = build_chat_graph(saver)
    config = {"configurable": {"thread_id": thread_id}}
    history = two_turns(graph, thread_id)
    after_turn1 = next(s for s in history if s.metadata["step"] == 1)
    assert after_turn1.values["messages"] == ["my name is Chulsoo", "noted: my name is Chulsoo"]

    forked = graph.invoke({"messages": ["my name is Younghee"]}, after_turn1.config)
    assert forked["messages"] == [
        "my name is Chulsoo",
        "noted: my name is Chulsoo",
        "my name is Younghee",
        "noted: my name is Younghee",
    ]

    after = list(graph.get_state_history(config))
    assert len(after) == 9  # both branches: 6 + the fork's 3
    ids = {s.config["configurable"]["checkpoint_id"] for s in after}
    assert {s.config["configurable"]["checkpoint_id"] for s in history} <= ids
    fork_input = next(
        s
        for s in after
        if s.metadata["source"] == "input"
        and s.metadata["step"] == 2
        and s.config["configurable"]["checkpoint_id"]
        not in {h.config["configurable"]["checkpoint_id"] for h in history}
    )
    assert (
        fork_input.parent_config["configurable"]["checkpoint_id"] == after_turn1.config["configurable"]["checkpoint_id"]
    )
    # The thread's latest state is the fork's; the first branch is still there to go back to.
    assert graph.get_state(config).values["messages"][-1] == "noted: my name is Younghee"
    assert graph.get_state(history[0].config).values["messages"][-1] == "your name is Chulsoo"

    # A fork by update_state, as LangGraph's docs show it, is listed too.
    updated = graph.update_state(after_turn1.config, {"messages": ["edited"]})
    assert graph.get_state(updated).values["messages"][-1] == "edited"
    assert len(list(graph.get_state_history(config))) == 10


def interrupted_in_a_subgraph(graph: Any, thread_id: str) -> tuple[Any, Any, list[tuple[bool, int]]]:
    config = {"configurable": {"thread_id": thread_id}}
    first = graph.invoke({"log": ["start"]}, config)
    done = graph.invoke(Command(resume="yes"), config)
    history = list(graph.checkpointer.list({"configurable": {"thread_id": thread_id}}))
    steps = sorted((t.config["configurable"]["checkpoint_ns"] != "", t.metadata["step"]) for t in history)
    return first, done, steps


def test_a_subgraph_interrupts_and_resumes_in_its_own_namespace(saver: CheckpointdSaver, thread_id: str) -> None:
    ours = interrupted_in_a_subgraph(build_nested_graph(saver), thread_id)
    reference = interrupted_in_a_subgraph(build_nested_graph(InMemorySaver()), thread_id)
    first, done, steps = ours
    assert [i.value for i in first["__interrupt__"]] == ["inner?"]
    assert done["log"][-2:] == ["inner:yes", "after"]
    assert (first["log"], done, steps) == (reference[0]["log"], reference[1], reference[2])
    assert (True, 1) in steps  # the subgraph's checkpoints, in their namespace
