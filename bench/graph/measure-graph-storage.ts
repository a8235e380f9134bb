import { measureDatabaseTables, type TableBytes } from "./measure-database-tables.js";
import type { ServiceCpu } from "./graph-measurement.js";
import { runPythonGraph } from "./run-python-graph.js";

export interface GraphStorage {
  turns: number;
  threads: number;
  checkpointd: { totalBytes: number; tables: TableBytes[]; invokes: number };
  postgresSaver: { totalBytes: number; tables: TableBytes[]; invokes: number };
}

export interface GraphStorageOptions {
  python: string;
  turns: number;
  threads: number;
  /** A fresh checkpointd (on a fresh database) and a fresh database for AsyncPostgresSaver. */
  checkpointdAddress: string;
  checkpointdDatabaseUrl: string;
  postgresSaverDatabaseUrl: string;
  serviceCpu: ServiceCpu;
}

/** The Python graph, `turns` turns on each of `threads` threads, through each saver into its own fresh database, then every table's size. */
export async function measureGraphStorage(options: GraphStorageOptions): Promise<GraphStorage> {
  const bounds = { threads: options.threads, maxInvokes: options.turns * options.threads, maxSeconds: 600, warmInvokes: 0, round: 0 };
  const run = async (saver: "checkpointd" | "postgresSaver", url: string, databaseUrl: string) => {
    const m = await runPythonGraph({ ...bounds, python: options.python, saver, url, prefix: "storage", serviceCpu: options.serviceCpu });
    if (m.errors > 0) throw new Error(`storage run through ${saver}: ${m.errors} errors, first: ${m.firstError}`);
    return { ...(await measureDatabaseTables(databaseUrl)), invokes: m.invokes };
  };
  return {
    turns: options.turns,
    threads: options.threads,
    checkpointd: await run("checkpointd", options.checkpointdAddress, options.checkpointdDatabaseUrl),
    postgresSaver: await run("postgresSaver", options.postgresSaverDatabaseUrl, options.postgresSaverDatabaseUrl),
  };
}
