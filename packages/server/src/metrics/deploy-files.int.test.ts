import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawnCheckpointd, type SpawnedCheckpointd } from "@checkpointd/test-support";

const deployDir = fileURLToPath(new URL("../../../../deploy/", import.meta.url));

function promtool(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("promtool", args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, output }));
  });
}

/** The series names an exposition can have: counters and gauges as named, histograms' _bucket/_sum/_count. */
function seriesNames(exposition: string): Set<string> {
  const names = new Set(["up"]);
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (type === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(`${name}${suffix}`);
    else if (type === "summary") for (const suffix of ["", "_sum", "_count"]) names.add(`${name}${suffix}`);
    else names.add(name!);
  }
  return names;
}

/** The metric names an expression refers to (checkpointd's, gRPC's, Node's and the process's). */
const metricsIn = (expr: string) => [...expr.matchAll(/\b(?:grpc_server|checkpointd|nodejs|process)_[a-z0-9_]+\b/g)].map((m) => m[0]);

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
}

describe("deploy/: the Grafana dashboard and the Prometheus alerts", () => {
  let server: SpawnedCheckpointd;
  let exposition: string;
  const dashboard = async () => JSON.parse(await readFile(join(deployDir, "grafana/checkpointd.json"), "utf8")) as Dashboard;
  const alertExprs = async () =>
    [...(await readFile(join(deployDir, "prometheus/alerts.yml"), "utf8")).matchAll(/expr: (\|\n(?:\s{10}.*\n)+|.*)/g)].map((m) => m[1]!);

  beforeAll(async () => {
    server = await spawnCheckpointd(["--data-dir", "memory://"]);
    exposition = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
  });
  afterAll(() => server?.stop());

  it("promtool accepts the alert rules", async () => {
    expect(await promtool(["check", "rules", join(deployDir, "prometheus/alerts.yml")])).toMatchObject({ code: 0 });
  });

  it("every metric the dashboard and the alerts query is in checkpointd's exposition", async () => {
    const names = seriesNames(exposition);
    const exprs = [...(await dashboard()).panels.flatMap((p) => p.targets.map((t) => t.expr)), ...(await alertExprs())];
    const referred = new Set(exprs.flatMap(metricsIn));
    expect(referred.size).toBeGreaterThan(15);
    expect([...referred].filter((name) => !names.has(name))).toEqual([]);
    // And the check has teeth: a misspelt name is caught.
    expect(names.has("checkpointd_cache_hit_total")).toBe(false);
  });

  it("every dashboard query is valid PromQL (as promtool parses recording rules)", async () => {
    const panels = (await dashboard()).panels;
    expect(panels.map((p) => p.title)).toEqual(
      expect.arrayContaining([
        "Request rate by method",
        "Errors by method and code",
        "Cache hit ratio",
        "PostgreSQL pool",
        "Watch: notify-to-delivery lag",
      ]),
    );
    const rules = panels.flatMap((p, i) =>
      p.targets.map((t, j) => {
        const expr = t.expr.replaceAll("$__rate_interval", "5m").replaceAll("$job", ".*").replaceAll("$instance", ".*");
        return `      - record: dashboard:panel_${i}_${j}\n        expr: ${JSON.stringify(expr)}`;
      }),
    );
    const dir = await mkdtemp(join(tmpdir(), "checkpointd-dashboard-"));
    try {
      const file = join(dir, "dashboard-rules.yml");
      await writeFile(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join("\n")}\n`);
      expect(await promtool(["check", "rules", file])).toMatchObject({ code: 0 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
