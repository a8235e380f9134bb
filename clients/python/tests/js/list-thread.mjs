// Lists a thread with the TypeScript client (@checkpointd/client) and prints every tuple's typed values.
//   node list-thread.mjs ADDRESS THREAD_ID
import { createCheckpointdClient } from "../../../../packages/client/dist/index.js";
import { describeTuple } from "./typed-values.mjs";

const [address, threadId] = process.argv.slice(2);
const client = createCheckpointdClient({ address });
try {
  const tuples = [];
  for await (const tuple of client.list({ config: { threadId } })) tuples.push(describeTuple(tuple));
  process.stdout.write(`${JSON.stringify(tuples)}\n`);
} finally {
  await client.close();
}
