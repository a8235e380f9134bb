// Probe: EXPLAIN ANALYZE of GetTuple's statement(s) on durable PostgreSQL, and wall time per call A/B.
import { startPostgres } from "@checkpointd/test-support";
import { connectDatabase, migrateToLatest } from "../../packages/server/dist/storage/connect-database.js";
import { createKyselyStorage } from "../../packages/server/dist/storage/kysely-storage.js";
import { readOneTuple } from "../../packages/server/dist/storage/read-one-tuple.js";
import { readTuples, checkpointColumns } from "../../packages/server/dist/storage/read-tuples.js";

const pgInstance = await startPostgres();
try {
  const { db } = await connectDatabase({ databaseUrl: pgInstance.url, dataDir: "" });
  await migrateToLatest(db);
  const storage = createKyselyStorage({ db }).forTenant("default");
  const channels = Array.from({ length: 8 }, (_, i) => `ch${i}`);
  let ids: string[] = [];
  for (let t = 0; t < 20; t++) {
    for (let i = 0; i < 100; i++) {
      const id = `1ef${String(i).padStart(6, "0")}`;
      if (t === 0) ids.push(id);
      const versions = Object.fromEntries(channels.map((c, k) => [c, `${String(i).padStart(4, "0")}.${k}`]));
      const values = Object.fromEntries(channels.map((c) => [c, { type: "json", data: new Uint8Array(2000).fill(i) }]));
      await storage.put({
        threadId: `t${t}`,
        checkpointNs: "",
        parentCheckpointId: undefined,
        checkpoint: {
          v: 4,
          id,
          ts: "2024",
          channelValues: values,
          channelVersions: versions,
          versionsSeen: {},
          updatedChannels: [],
          pendingSends: [],
          extra: {},
        },
        metadata: { step: i },
        newVersions: versions,
      } as never);
      await storage.putWrites({
        key: { threadId: `t${t}`, checkpointNs: "", checkpointId: id },
        taskId: "task",
        taskPath: "",
        writes: [{ channel: "a", value: { type: "json", data: new Uint8Array(10) } }],
      } as never);
    }
  }
  await db.executeQuery({ sql: "analyze", parameters: [], query: { kind: "RawNode", sqlFragments: ["analyze"], parameters: [] } } as never);
  const q = { threadId: "t0", checkpointNs: "", checkpointId: ids[40] };
  const two = async () => {
    const rows = await db
      .selectFrom("checkpoints")
      .select(checkpointColumns)
      .where("thread_id", "=", q.threadId)
      .where("checkpoint_ns", "=", "")
      .where("checkpoint_id", "=", q.checkpointId!)
      .orderBy("checkpoint_id", "desc")
      .limit(1)
      .execute();
    return (await readTuples(db, "default", rows))[0];
  };
  const a = await two(),
    b = await readOneTuple(db, "default", q);
  console.log(
    "same tuple:",
    JSON.stringify(a, (_k, v) =>
      v instanceof Uint8Array ? Buffer.from(v).toString("base64").length : typeof v === "bigint" ? String(v) : v,
    ) ===
      JSON.stringify(b, (_k, v) =>
        v instanceof Uint8Array ? Buffer.from(v).toString("base64").length : typeof v === "bigint" ? String(v) : v,
      ),
  );
  for (let round = 0; round < 3; round++) {
    for (const [name, f] of [
      ["two-step", two],
      ["one-statement", () => readOneTuple(db, "default", q)],
    ] as const) {
      const n = 300,
        t0 = performance.now(),
        c0 = process.cpuUsage();
      for (let i = 0; i < n; i++) await f();
      const cpu = process.cpuUsage(c0);
      console.log(
        `${name}: ${(((performance.now() - t0) / n) * 1000).toFixed(0)} µs/call wall, ${((cpu.user + cpu.system) / n).toFixed(0)} µs/call client CPU`,
      );
    }
  }
  await db.destroy();
} finally {
  await pgInstance.stop();
}
