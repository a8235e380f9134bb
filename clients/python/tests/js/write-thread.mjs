// Writes a thread with the LangGraph.js saver (@checkpointd/langgraph) and prints the (type, bytes)
// its serializer produced for each value, and what the TypeScript client lists back.
//   node write-thread.mjs ADDRESS THREAD_ID CHECKPOINT_ID_1 CHECKPOINT_ID_2
import { CheckpointdSaver } from "../../../../packages/langgraph/dist/index.js";
import { describeTuple } from "./typed-values.mjs";

const [address, threadId, id1, id2] = process.argv.slice(2);
const saver = CheckpointdSaver.fromUrl(address);
const b64 = (bytes) => Buffer.from(bytes).toString("base64");
const dumped = async (value) => {
  const [type, data] = await saver.serde.dumpsTyped(value);
  return { type, data: b64(data) };
};

try {
  const values1 = { messages: ["hi from js"], count: 1, profile: { name: "Chulsoo", tags: ["a", "b"], score: 0.5 } };
  const first = {
    v: 4,
    id: id1,
    ts: "2026-11-23T00:00:00.000Z",
    channel_values: values1,
    channel_versions: { messages: 1, count: 1, profile: 1 },
    versions_seen: { __input__: {}, agent: { messages: 1 } },
  };
  const saved1 = await saver.put({ configurable: { thread_id: threadId } }, first, { source: "input", step: -1, parents: {} }, first.channel_versions);
  const values2 = { messages: ["hi from js", "hello from js"], count: 2 };
  const second = {
    v: 4,
    id: id2,
    ts: "2026-11-23T00:00:01.000Z",
    channel_values: { ...values2, profile: values1.profile },
    channel_versions: { messages: 2, count: 2, profile: 1 },
    versions_seen: { __input__: {}, agent: { messages: 2, count: 1.5 } },
    updated_channels: ["messages", "count"],
  };
  const saved2 = await saver.put(saved1, second, { source: "loop", step: 0, parents: {}, writer: "js" }, { messages: 2, count: 2 });
  const writes = [
    ["messages", ["pending from js"]],
    ["__interrupt__", [{ value: { question: "ok?" }, id: "interrupt-js-1" }]],
  ];
  await saver.putWrites(saved2, writes, "task-js", "~js");

  const expected = {
    [id1]: { channelValues: Object.fromEntries(await Promise.all(Object.entries(values1).map(async ([k, v]) => [k, await dumped(v)]))) },
    [id2]: {
      channelValues: {
        ...Object.fromEntries(await Promise.all(Object.entries(values2).map(async ([k, v]) => [k, await dumped(v)]))),
        profile: await dumped(values1.profile),
      },
      pendingWrites: await Promise.all(writes.map(async ([channel, value]) => ({ channel, value: await dumped(value) }))),
    },
  };
  const listed = [];
  for await (const tuple of saver.client.list({ config: { threadId } })) listed.push(describeTuple(tuple));
  process.stdout.write(`${JSON.stringify({ expected, listed })}\n`);
} finally {
  await saver.close();
}
