"""The Python graph every bench measures: a StateGraph of 3 nodes (planner -> agent -> tools)
over 5 channels (messages, context, plan, scratchpad, route), the messages growing by two each
turn (the user's and the agent's). `turn_input(n)` is the input of turn n.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages


class State(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]
    context: dict[str, Any]
    plan: list[str]
    scratchpad: Annotated[list[str], operator.add]
    route: str


def planner(state: State) -> dict[str, Any]:
    turn = len(state["messages"])
    return {"plan": [f"step {turn}-{i}: look up, reason, answer" for i in range(3)], "route": "agent"}


def agent(state: State) -> dict[str, Any]:
    last = state["messages"][-1].content
    reply = AIMessage(content=f"Answer to {last!s}: " + "the forecast says mild weather, no rain. " * 4)
    return {"messages": [reply], "scratchpad": [f"answered {last!s}"], "route": "tools"}


def tools(state: State) -> dict[str, Any]:
    turns = len(state["messages"]) // 2
    return {"context": {"user": "u-1", "locale": "en-GB", "turns": turns, "tools": ["search", "calc"]}, "route": "end"}


def build_graph() -> StateGraph:
    builder = StateGraph(State)
    builder.add_node("planner", planner)
    builder.add_node("agent", agent)
    builder.add_node("tools", tools)
    builder.add_edge(START, "planner")
    builder.add_edge("planner", "agent")
    builder.add_edge("agent", "tools")
    builder.add_edge("tools", END)
    return builder


def turn_input(turn: int) -> dict[str, Any]:
    """What a user sends on turn `turn`: one message."""
    return {"messages": [HumanMessage(content=f"turn {turn}")]}
