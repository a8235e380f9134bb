// A LangGraph.js program as a user writes it against the installed packages (compiled by tsc
// against their published types). Prints what the test checks, as one JSON line.
import { create } from "@bufbuild/protobuf";
import { createCheckpointdClient } from "@checkpointd/client";
import { CheckpointdSaver } from "@checkpointd/langgraph";
import { GetTupleRequestSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";

const [address, threadId] = process.argv.slice(2);
if (address === undefined || threadId === undefined) throw new Error("usage: node graph.js ADDRESS THREAD_ID");

const State = Annotation.Root({
  messages: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});
const builder = new StateGraph(State)
  .addNode("reply", (state: typeof State.State) => ({ messages: [`you said: ${state.messages.at(-1)}`] }))
  .addEdge(START, "reply")
  .addEdge("reply", END);

const config = { configurable: { thread_id: threadId } };
const first = CheckpointdSaver.fromUrl(address);
await builder.compile({ checkpointer: first }).invoke({ messages: ["hello"] }, config);
await first.close();

// A second saver (another worker, say) continues the thread from what the server stored.
const second = CheckpointdSaver.fromUrl(address);
const graph = builder.compile({ checkpointer: second });
const result = await graph.invoke({ messages: ["again"] }, config);
const state = await graph.getState(config);
await second.close();

const client = createCheckpointdClient({ address });
let history = 0;
for await (const tuple of client.list({ config: { threadId } })) if (tuple.checkpoint !== undefined) history += 1;
const latest = await client.raw.getTuple(create(GetTupleRequestSchema, { config: { threadId } }));
await client.close();

console.log(
  JSON.stringify({
    result: result.messages,
    state: state.values.messages,
    history,
    stateCheckpointId: state.config.configurable?.checkpoint_id,
    latestCheckpointId: latest.tuple?.checkpoint?.id,
    saver: import.meta.resolve("@checkpointd/langgraph"),
  }),
);
