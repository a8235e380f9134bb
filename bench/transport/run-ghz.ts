import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's proto/ folder, which ghz parses to build requests. */
const protoRoot = fileURLToPath(new URL("../../proto/", import.meta.url));

/** `$GHZ`, else ~/go/bin/ghz, else ghz on PATH. */
export function ghzPath(): string {
  const fromEnv = process.env["GHZ"];
  if (fromEnv) return fromEnv;
  const goBin = join(homedir(), "go", "bin", "ghz");
  return existsSync(goBin) ? goBin : "ghz";
}

export interface GhzRun {
  /** host:port */
  target: string;
  /** Fully qualified method, e.g. checkpointd.v1.CheckpointService/GetTuple. */
  call: string;
  /** Request as proto JSON. */
  data: unknown;
  concurrency: number;
  requests: number;
  /**
   * Time cap: past it ghz is interrupted (SIGINT, which makes it stop and
   * still print its report, endReason "cancel"), and killed 15 s later if
   * it has not exited. (ghz's own `--max-duration` is not used: in v0.120.0
   * it makes ghz run for the whole duration and ignore `--total`.)
   */
  maxDurationSeconds: number;
  /** GOMAXPROCS for ghz, so the load generator leaves CPU to the server. */
  cpus: number;
  /** Ask the server for its schema (gRPC server reflection) instead of parsing the repository's protos. */
  reflection?: boolean;
  /** Request metadata on every call (e.g. `authorization`). */
  metadata?: Record<string, string>;
}

export interface GhzResult {
  concurrency: number;
  /** Responses counted, OK or not. */
  count: number;
  ok: number;
  errors: number;
  errorDistribution: Record<string, number>;
  rps: number;
  averageMs: number;
  p50Ms: number;
  p99Ms: number;
  /** "normal" when every request was sent; "cancel" when maxDurationSeconds cut the run short. */
  endReason: string;
  totalSeconds: number;
}

interface GhzJson {
  count: number;
  total: number;
  average: number;
  rps: number;
  endReason: string;
  errorDistribution?: Record<string, number> | null;
  statusCodeDistribution?: Record<string, number> | null;
  latencyDistribution?: { percentage: number; latency: number }[] | null;
}

const nsToMs = (ns: number) => ns / 1e6;

function percentile(report: GhzJson, percentage: number): number {
  const entry = report.latencyDistribution?.find((item) => item.percentage === percentage);
  return entry ? nsToMs(entry.latency) : Number.NaN;
}

/** Runs ghz once (bounded by request count and by time) and summarises its JSON report. */
export function runGhz(run: GhzRun): Promise<GhzResult> {
  const protoArgs =
    run.reflection === true ? [] : ["--proto", join(protoRoot, "checkpointd/v1/checkpoint_service.proto"), "--import-paths", protoRoot];
  const args = [
    "--insecure",
    ...protoArgs,
    "--call",
    run.call,
    "--data",
    JSON.stringify(run.data),
    "--concurrency",
    String(run.concurrency),
    "--total",
    String(run.requests),
    "--timeout",
    "10s",
    "--connections",
    "1",
    "--cpus",
    String(run.cpus),
    ...(run.metadata === undefined ? [] : ["--metadata", JSON.stringify(run.metadata)]),
    "--format",
    "json",
    run.target,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(ghzPath(), args, { stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    const interrupt = setTimeout(() => child.kill("SIGINT"), run.maxDurationSeconds * 1000);
    const kill = setTimeout(() => child.kill("SIGKILL"), (run.maxDurationSeconds + 15) * 1000);
    child.on("error", (error) => {
      clearTimeout(interrupt);
      clearTimeout(kill);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(interrupt);
      clearTimeout(kill);
      const text = Buffer.concat(stdout).toString("utf8");
      let report: GhzJson;
      try {
        report = JSON.parse(text) as GhzJson;
      } catch {
        reject(new Error(`ghz exited (${code ?? signal}) without a JSON report:\n${Buffer.concat(stderr).toString("utf8")}`));
        return;
      }
      const ok = report.statusCodeDistribution?.["OK"] ?? 0;
      resolve({
        concurrency: run.concurrency,
        count: report.count,
        ok,
        errors: report.count - ok,
        errorDistribution: report.errorDistribution ?? {},
        rps: report.rps,
        averageMs: nsToMs(report.average),
        p50Ms: percentile(report, 50),
        p99Ms: percentile(report, 99),
        endReason: report.endReason,
        totalSeconds: report.total / 1e9,
      });
    });
  });
}
