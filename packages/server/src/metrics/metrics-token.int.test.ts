import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawnCheckpointd, startPrometheus, waitUntil, type PrometheusInstance, type SpawnedCheckpointd } from "@checkpointd/test-support";

/** Replaced by rename, as a secret mount or a deployment would. */
async function writeToken(path: string, token: string) {
  await writeFile(`${path}.tmp`, `${token}\n`);
  await rename(`${path}.tmp`, path);
}

describe("/metrics behind --metrics-token-file", () => {
  let dir: string;
  let tokenFile: string;
  let server: SpawnedCheckpointd;
  let prometheus: PrometheusInstance | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "checkpointd-metrics-token-"));
    tokenFile = join(dir, "metrics-token");
    await writeToken(tokenFile, "first-token-4b1d");
    server = await spawnCheckpointd(["--data-dir", "memory://", "--metrics-port", "0", "--metrics-token-file", tokenFile]);
  });
  afterAll(async () => {
    await prometheus?.stop();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const scrape = async (authorization?: string) =>
    (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`, authorization === undefined ? {} : { headers: { authorization } }))
      .status;

  it("answers 401 without the token or with another, 200 with it", async () => {
    expect(await scrape()).toBe(401);
    expect(await scrape("Bearer wrong-token")).toBe(401);
    expect(await scrape("Basic Zmlyc3QtdG9rZW4tNGIxZA==")).toBe(401);
    expect(await scrape("Bearer first-token-4b1d")).toBe(200);
  });

  it("is scraped by a real Prometheus with credentials_file", async () => {
    prometheus = await startPrometheus({ targets: [`127.0.0.1:${server.metricsPort}`], bearerTokenFile: tokenFile });
    await waitUntil("a successful scrape", async () => {
      const [up] = await prometheus!.query(`up{job="checkpointd"}`);
      expect(up?.value).toBe(1);
    });
    const [started] = await prometheus.query("count(process_start_time_seconds)");
    expect(started?.value).toBe(1);
  });

  it("takes a token rotated on disk without a restart; the old one stops working", async () => {
    await writeToken(tokenFile, "second-token-9e0c");
    await waitUntil("the new token", async () => expect(await scrape("Bearer second-token-9e0c")).toBe(200));
    expect(await scrape("Bearer first-token-4b1d")).toBe(401);
  });

  it("refuses to start when the file is empty, with one line naming the flag", async () => {
    const empty = join(dir, "empty");
    await writeFile(empty, "\n");
    await expect(spawnCheckpointd(["--data-dir", "memory://", "--metrics-port", "0", "--metrics-token-file", empty])).rejects.toThrow(
      `--metrics-token-file: ${empty}: the file is empty: write the token scrapes send`,
    );
  });
});
