// One turn of a conversation, as its own process: sends one message on a thread and exits.
import { CheckpointdSaver } from "@checkpointd/langgraph";
import { buildChatGraph } from "./chat-graph.js";
import { exitAfter, processArgs, report } from "./process-args.js";

const { address, thread, message } = processArgs(["address", "thread", "message"]);
exitAfter(60_000, "chat turn");
const saver = CheckpointdSaver.fromUrl(address);
const result = await buildChatGraph(saver).invoke({ messages: [message] }, { configurable: { thread_id: thread } });
report({ pid: process.pid, messages: result.messages });
await saver.close();
