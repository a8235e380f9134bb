"""The graphs the tests run (imported by the test processes and by pytest)."""

from __future__ import annotations

import json
import operator
import re
from typing import Annotated, Any, TypedDict

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt


class ApprovalState(TypedDict, total=False):
    request: str
    #: Steps the graph went through, in order.
    log: Annotated[list[str], operator.add]
    approved: str


def build_approval_graph(checkpointer: BaseCheckpointSaver[Any]) -> Any:
    """draft -> approve (interrupt(): a human answers) -> publish."""

    def draft(state: ApprovalState) -> ApprovalState:
        return {"log": [f"drafted {state['request']}"]}

    def approve(state: ApprovalState) -> ApprovalState:
        answer = interrupt({"question": f'approve "{state["request"]}"?'})
        return {"approved": answer, "log": [f"approval: {answer}"]}

    def publish(state: ApprovalState) -> ApprovalState:
        return {"log": [f"published {state['request']} ({state.get('approved', '?')})"]}

    builder = StateGraph(ApprovalState)
    builder.add_node("draft", draft)
    builder.add_node("approve", approve)
    builder.add_node("publish", publish)
    builder.add_edge(START, "draft")
    builder.add_edge("draft", "approve")
    builder.add_edge("approve", "publish")
    builder.add_edge("publish", END)
    return builder.compile(checkpointer=checkpointer)


class ChatState(TypedDict):
    messages: Annotated[list[str], operator.add]


def build_chat_graph(checkpointer: BaseCheckpointSaver[Any]) -> Any:
    """Remembers a name it was told: the memory is the thread's state."""

    def reply(state: ChatState) -> ChatState:
        last = state["messages"][-1] if state["messages"] else ""
        names = [
            m.group(1) for m in (re.search(r"my name is (\w+)", msg, re.IGNORECASE) for msg in state["messages"]) if m
        ]
        if re.search(r"what is my name", last, re.IGNORECASE):
            return {"messages": [f"your name is {names[0] if names else 'unknown'}"]}
        return {"messages": [f"noted: {last}"]}

    builder = StateGraph(ChatState)
    builder.add_node("reply", reply)
    builder.add_edge(START, "reply")
    builder.add_edge("reply", END)
    return builder.compile(checkpointer=checkpointer)


class LogState(TypedDict):
    log: Annotated[list[str], operator.add]


def build_nested_graph(checkpointer: BaseCheckpointSaver[Any]) -> Any:
    """A subgraph node that interrupts: its checkpoints live in a namespace of their own."""

    def inner(state: LogState) -> LogState:
        return {"log": [f"inner:{interrupt('inner?')}"]}

    sub = StateGraph(LogState)
    sub.add_node("inner", inner)
    sub.add_edge(START, "inner")
    sub.add_edge("inner", END)
    outer = StateGraph(LogState)
    outer.add_node("sub", sub.compile())
    outer.add_node("after", lambda state: {"log": ["after"]})
    outer.add_edge(START, "sub")
    outer.add_edge("sub", "after")
    outer.add_edge("after", END)
    return outer.compile(checkpointer=checkpointer)


class CounterState(TypedDict, total=False):
    count: int
    log: Annotated[list[str], operator.add]


def build_counter_graph(checkpointer: BaseCheckpointSaver[Any], worker: str, steps: int, step_seconds: float) -> Any:
    """One slow node looping ``steps`` times, a checkpoint each: a worker killed mid-run leaves the
    thread part-way, and ``invoke(None)`` on it goes on from the last checkpoint."""
    import time

    def work(state: CounterState) -> CounterState:
        time.sleep(step_seconds)
        n = state.get("count", 0) + 1
        print(json.dumps({"event": "step", "n": n}), flush=True)
        return {"count": n, "log": [f"{worker}:{n}"]}

    builder = StateGraph(CounterState)
    builder.add_node("work", work)
    builder.add_edge(START, "work")
    builder.add_conditional_edges("work", lambda s: "work" if s.get("count", 0) < steps else END)
    return builder.compile(checkpointer=checkpointer)
