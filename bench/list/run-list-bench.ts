/**
 * List over a 100,000-checkpoint history: time to the first streamed tuple,
 * total time, and the server's peak RSS. PostgreSQL is a throwaway cluster;
 * the history is seeded with SQL (generate_series) in the server's own
 * schema; the server is the real CLI process. Bounded: one pass, 5 min cap.
 */
import { readFileSync } from "node:fs";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import pg from "pg";
import { createDatabase, spawnCheckpointd, startPostgres } from "@checkpointd/test-support";

const count = Number(process.env.LIST_BENCH_COUNT ?? 100_000);
const rssKiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);

const postgres = await startPostgres();
try {
  const url = await createDatabase(postgres.url);
  const server = await spawnCheckpointd([], { DATABASE_URL: url });
  const pid = server.process.pid!;
  try {
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const seeded = Date.now();
    // Step i changes channel i % 5: 5 channels of ~1 KiB, one new blob row per step.
    await db.query(
      `
      insert into checkpoint_blobs (tenant, thread_id, checkpoint_ns, channel, version, type, blob)
      select 'default', 'long', '', 'c' || (i % 5), (i / 5 + 1)::text, 'json', convert_to(repeat(md5(i::text), 32), 'UTF8')
      from generate_series(0, $1 - 1) as i`,
      [count],
    );
    await db.query(
      `
      insert into checkpoints (tenant, thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
      select 'default', 'long', '', lpad(i::text, 12, '0'), case when i > 0 then lpad((i - 1)::text, 12, '0') end,
        jsonb_build_object('v', 4, 'ts', '2026-11-23T00:00:00Z',
          'channel_versions', (select jsonb_object_agg('c' || c, ((i - c) / 5 + 1)) from generate_series(0, 4) as c where c <= i),
          'versions_seen', '{}'::jsonb, 'updated_channels', '[]'::jsonb, 'pending_sends', '[]'::jsonb, 'extra', '{}'::jsonb),
        jsonb_build_object('step', i, 'source', 'loop')
      from generate_series(0, $1 - 1) as i`,
      [count],
    );
    await db.query("analyze");
    await db.end();
    const seedMs = Date.now() - seeded;

    const client = createClient(CheckpointService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.port}` }));
    const rssBefore = rssKiB(pid);
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(pid))), 50);
    const started = performance.now();
    let first = 0;
    let received = 0;
    let bytes = 0;
    for await (const response of client.list({ config: { threadId: "long" } }, { timeoutMs: 300_000 })) {
      if (received === 0) first = performance.now() - started;
      received++;
      for (const v of Object.values(response.tuple?.checkpoint?.channelValues ?? {})) bytes += v.data.length;
    }
    const total = performance.now() - started;
    clearInterval(sampler);
    console.log(
      JSON.stringify({
        count,
        received,
        seedMs,
        firstTupleMs: Math.round(first),
        totalMs: Math.round(total),
        tuplesPerSec: Math.round(received / (total / 1000)),
        valueMiB: Math.round(bytes / 2 ** 20),
        rssBeforeMiB: Math.round(rssBefore / 1024),
        rssPeakMiB: Math.round(peak / 1024),
      }),
    );
  } finally {
    await server.stop();
  }
} finally {
  await postgres.destroy();
}
