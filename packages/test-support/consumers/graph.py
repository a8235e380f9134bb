"""A LangGraph Python program as a user writes it against the installed wheel.

Prints what the test checks, as one JSON line.
"""

from __future__ import annotations

import importlib.resources
import json
import operator
import sys
from typing import Annotated, TypedDict

from langgraph.graph import END, START, StateGraph

import checkpointd
from checkpointd import CheckpointdSaver


class State(TypedDict):
    messages: Annotated[list[str], operator.add]


def reply(state: State) -> State:
    return {"messages": [f"you said: {state['messages'][-1]}"]}


def main(address: str, thread_id: str) -> None:
    builder = StateGraph(State)
    builder.add_node("reply", reply)
    builder.add_edge(START, "reply")
    builder.add_edge("reply", END)
    config = {"configurable": {"thread_id": thread_id}}
    with CheckpointdSaver.from_url(address) as checkpointer:
        builder.compile(checkpointer=checkpointer).invoke({"messages": ["hello"]}, config)
    # A second saver (another worker, say) continues the thread from what the server stored.
    with CheckpointdSaver.from_url(address) as checkpointer:
        graph = builder.compile(checkpointer=checkpointer)
        result = graph.invoke({"messages": ["again"]}, config)
        state = graph.get_state(config)
    v1 = importlib.resources.files("checkpointd.v1")
    print(
        json.dumps(
            {
                "result": result["messages"],
                "state": state.values["messages"],
                "package": checkpointd.__file__,
                "py_typed": importlib.resources.files("checkpointd").joinpath("py.typed").is_file(),
                "stubs": sorted(p.name for p in v1.iterdir() if p.name.endswith(".pyi")),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
