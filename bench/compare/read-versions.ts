import { spawnSync } from "node:child_process";
import pg from "pg";
import { sendRedisCommand } from "@checkpointd/test-support";
import { ghzPath } from "../transport/run-ghz.js";
import type { CompareServices } from "./start-compare-services.js";

/** Versions of what the run measured against, for the report. */
export async function readVersions(services: CompareServices): Promise<{ postgres: string; redis: string; ghz: string }> {
  const db = new pg.Client({ connectionString: services.saverDatabaseUrl });
  await db.connect();
  const postgres = (await db.query<{ server_version: string }>("show server_version")).rows[0]?.server_version ?? "?";
  await db.end();
  const redis = /redis_version:([^\r\n]+)/.exec(await sendRedisCommand(services.redis.port, ["INFO", "server"]))?.[1] ?? "?";
  // The binary says "dev"; its module version is in the build info.
  const buildInfo = spawnSync("go", ["version", "-m", ghzPath()], { encoding: "utf8", timeout: 10_000 });
  const module = /\tmod\tgithub\.com\/bojand\/ghz\t(\S+)/.exec(buildInfo.stdout ?? "")?.[1];
  const own = spawnSync(ghzPath(), ["--version"], { encoding: "utf8", timeout: 10_000 });
  return { postgres, redis, ghz: module ?? `${own.stdout ?? ""}${own.stderr ?? ""}`.trim() };
}
