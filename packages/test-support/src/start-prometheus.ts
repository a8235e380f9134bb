import { spawn, type ChildProcess } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";
import { waitUntil } from "./wait-until.js";

/** One sample of an instant vector: its labels and value. */
export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

/** A throwaway Prometheus server (Debian's `prometheus`) on 127.0.0.1, scraping the given targets. */
export interface PrometheusInstance {
  readonly url: string;
  /** An instant query over the HTTP API (`/api/v1/query`); rejects unless the result is a vector. */
  query(promql: string): Promise<PromSample[]>;
  /** SIGTERM, wait for the exit, remove the data directory. */
  stop(): Promise<void>;
}

export interface StartPrometheusOptions {
  /** `host:port` of each /metrics endpoint. */
  targets: readonly string[];
  /** Default 1. */
  scrapeIntervalSeconds?: number;
  /** Scrapes send `authorization: Bearer <this file's content>` (Prometheus's `credentials_file`). */
  bearerTokenFile?: string;
}

/** Starts Prometheus with a config of one job over the targets and waits until it is ready. */
export async function startPrometheus(options: StartPrometheusOptions): Promise<PrometheusInstance> {
  const dir = await mkdtemp(join(tmpdir(), "checkpointd-prometheus-"));
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  const config = [
    "global:",
    `  scrape_interval: ${interval}`,
    `  scrape_timeout: ${interval}`,
    "scrape_configs:",
    "  - job_name: checkpointd",
    ...(options.bearerTokenFile === undefined
      ? []
      : ["    authorization:", "      type: Bearer", `      credentials_file: ${JSON.stringify(options.bearerTokenFile)}`]),
    "    static_configs:",
    `      - targets: [${options.targets.map((t) => JSON.stringify(t)).join(", ")}]`,
    "",
  ].join("\n");
  writeFileSync(join(dir, "prometheus.yml"), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child: ChildProcess = spawn(
    "prometheus",
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const stop = async () => {
    if (!gone) child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      "prometheus ready",
      async () => {
        const response = await fetch(`${url}/-/ready`);
        if (!response.ok) throw new Error(`/-/ready answered ${response.status}`);
      },
      { timeoutMs: 30_000, fatal: () => (gone ? `prometheus exited:\n${output}` : undefined) },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    async query(promql) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as {
        status: string;
        error?: string;
        data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== "success" || body.data?.resultType !== "vector") {
        throw new Error(`query ${promql}: ${body.error ?? body.data?.resultType ?? response.status}`);
      }
      return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    stop,
  };
}
