import { afterAll, describe, expect, test } from "@jest/globals";
import pg from "pg";
import { createDatabase, startPostgres } from "./start-postgres.js";
import type { PostgresInstance } from "./start-postgres.js";

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    const result = await client.query<Record<string, unknown>>(sql);
    return result.rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe("startPostgres", () => {
  let instance: PostgresInstance | undefined;
  const started = (): PostgresInstance => {
    if (instance === undefined) throw new Error("instance not started");
    return instance;
  };

  afterAll(async () => {
    await instance?.destroy();
  });

  test("starts a server on loopback that answers queries", async () => {
    instance = await startPostgres();
    expect(instance.url).toBe(`postgres://postgres@127.0.0.1:${instance.port}/postgres`);
    expect(instance.url).not.toBe(process.env.CHECKPOINTD_TEST_DATABASE_URL);
    expect(await query(instance.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
    const [settings] = await query(
      instance.url,
      "SELECT current_setting('fsync') AS fsync, current_setting('max_connections') AS max_connections",
    );
    expect(settings).toEqual({ fsync: "off", max_connections: "200" });
  });

  test("createDatabase gives distinct, usable databases", async () => {
    const { url } = started();
    const first = await createDatabase(url);
    const second = await createDatabase(url);
    expect(first).not.toBe(second);
    const firstName = new URL(first).pathname.slice(1);
    expect(await query(first, "SELECT current_database() AS db")).toEqual([{ db: firstName }]);
    await query(first, "CREATE TABLE only_in_first (id int)");
    const tables = "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'only_in_first'";
    expect(await query(first, tables)).toEqual([{ n: 1 }]);
    expect(await query(second, tables)).toEqual([{ n: 0 }]);

    const named = await createDatabase(url, "explicitly_named");
    expect(new URL(named).pathname).toBe("/explicitly_named");
    expect(await query(named, "SELECT current_database() AS db")).toEqual([{ db: "explicitly_named" }]);
  });

  test("stop() refuses connections and start() brings the same data back", async () => {
    const server = started();
    const db = await createDatabase(server.url);
    await query(db, "CREATE TABLE survives (id int); INSERT INTO survives VALUES (42)");
    await server.stop();
    await expect(query(server.url, "SELECT 1")).rejects.toThrow();
    await server.stop(); // idempotent
    await server.start();
    expect(await query(db, "SELECT id FROM survives")).toEqual([{ id: 42 }]);
  });

  test("destroy() stops the server", async () => {
    const server = started();
    await server.destroy();
    instance = undefined;
    await expect(query(server.url, "SELECT 1")).rejects.toThrow();
  });
});

describe("global setup", () => {
  test("CHECKPOINTD_TEST_DATABASE_URL is set and reachable", async () => {
    const url = process.env.CHECKPOINTD_TEST_DATABASE_URL;
    expect(url).toBeDefined();
    expect(await query(url ?? "", "SELECT 1 AS one")).toEqual([{ one: 1 }]);
    const db = await createDatabase(url ?? "");
    expect(await query(db, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });
});
