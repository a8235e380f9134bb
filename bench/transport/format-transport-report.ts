import type { LoadRun } from "./load-run.js";
import { summarizeLoadRuns } from "./summarize-load-runs.js";
import type { TransportLibrary } from "./transport-library.js";

export interface ErrorMessageCheck {
  library: TransportLibrary;
  sent: string;
  /** What a @grpc/grpc-js client reports as `error.details`. */
  clientDetails: string;
  clientCode: number;
  /** The `grpc-message` header as it crossed the wire. */
  rawGrpcMessage: string | undefined;
}

export interface TransportReport {
  machine: { cores: number; memoryGiB: number; node: string; ghz: string; date: string };
  command: string;
  responseBytes: number;
  channelValueBytes: number;
  warmup: { concurrency: number; requests: number };
  rounds: number;
  runs: LoadRun[];
  errorChecks: ErrorMessageCheck[];
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");
const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}×` : "n/a");
const code = (text: string | undefined) => (text === undefined ? "(none)" : `\`${text.replaceAll("`", "\\`").replaceAll("|", "\\|")}\``);

/** The whole result as markdown: machine, per-(library, concurrency) medians, grpc-js / connect-node ratios, error-message check. */
export function formatTransportReport(report: TransportReport): string {
  const { machine } = report;
  const lines: string[] = [];
  lines.push(
    `- Machine: ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, Node ${machine.node}, ghz ${machine.ghz}`,
    `- Date: ${machine.date}`,
    `- Command: \`${report.command}\``,
    `- Response: GetTupleResponse of ${report.responseBytes} bytes encoded (5 channel values, ${report.channelValueBytes} bytes of data)`,
    `- ${report.rounds} round(s), libraries alternating which goes first; in each, every library runs in its own freshly started child process, gets a discarded warm-up of ${report.warmup.requests} requests at concurrency ${report.warmup.concurrency}, then the measured runs. ghz uses 1 HTTP/2 connection and \`--cpus 1\`.`,
    `- Figures are medians over rounds; "req/s range" is the slowest and fastest round; requests and errors are totals over rounds.`,
    "",
    "| library | concurrency | requests | errors | req/s | req/s range | p50 ms | p99 ms | server CPU µs/req |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  const summaries = summarizeLoadRuns(report.runs);
  for (const row of summaries) {
    const cut = row.cutShort ? " (time cap hit)" : "";
    lines.push(
      `| ${row.library} | ${row.concurrency} | ${row.requests}${cut} | ${row.errors} | ${fixed(row.rps, 0)} | ${fixed(row.rpsMin, 0)}–${fixed(row.rpsMax, 0)} | ${fixed(row.p50Ms, 2)} | ${fixed(row.p99Ms, 2)} | ${fixed(row.serverCpuMicrosPerRequest, 0)} |`,
    );
  }

  lines.push(
    "",
    "Ratios grpc-js / connect-node (req/s: higher means grpc-js is faster; latency and CPU: lower means grpc-js is better):",
    "",
    "| concurrency | req/s | p50 | p99 | server CPU/req |",
    "| ---: | ---: | ---: | ---: | ---: |",
  );
  const concurrencies = [...new Set(summaries.map((row) => row.concurrency))];
  for (const concurrency of concurrencies) {
    const grpcJs = summaries.find((row) => row.library === "grpc-js" && row.concurrency === concurrency);
    const connect = summaries.find((row) => row.library === "connect-node" && row.concurrency === concurrency);
    if (!grpcJs || !connect) continue;
    lines.push(
      `| ${concurrency} | ${ratio(grpcJs.rps, connect.rps)} | ${ratio(grpcJs.p50Ms, connect.p50Ms)} | ${ratio(grpcJs.p99Ms, connect.p99Ms)} | ${ratio(grpcJs.serverCpuMicrosPerRequest, connect.serverCpuMicrosPerRequest)} |`,
    );
  }

  lines.push(
    "",
    "Error message sent by Put, as seen by a @grpc/grpc-js client:",
    "",
    "| server | code | `details` seen by grpc-js client | `grpc-message` on the wire | unchanged? |",
    "| --- | ---: | --- | --- | --- |",
  );
  for (const check of report.errorChecks) {
    lines.push(
      `| ${check.library} | ${check.clientCode} | ${code(check.clientDetails)} | ${code(check.rawGrpcMessage)} | ${check.clientDetails === check.sent ? "yes" : "**no**"} |`,
    );
  }
  const sent = report.errorChecks[0]?.sent;
  if (sent !== undefined) lines.push("", `Sent: ${code(sent)}`);
  return lines.join("\n");
}
