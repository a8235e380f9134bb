import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, startCheckpointd } from "@checkpointd/server";
import { pino } from "pino";

export interface EmbeddedCheckpointd {
  address: string;
  close(): Promise<void>;
}

/**
 * The server `pnpm start` runs — embedded PostgreSQL (PGlite), in-process cache — on a free
 * loopback port and a throwaway data directory, for the length of the example.
 */
export async function startEmbeddedCheckpointd(): Promise<EmbeddedCheckpointd> {
  const dataDir = await mkdtemp(join(tmpdir(), "checkpointd-example-"));
  const config = loadConfig(["serve", "--host", "127.0.0.1", "--port", "0", "--http-port", "off", "--data-dir", dataDir], {});
  const server = await startCheckpointd(config, pino({ level: "warn" }));
  return {
    address: `127.0.0.1:${server.port}`,
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
