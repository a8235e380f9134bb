import type { InterruptLatencyRun } from "./measure-interrupt-latency.js";
import type { MemoryPoint, OpenStreamsRun } from "./measure-open-streams.js";
import type { EventStreamRpc } from "./open-event-stream.js";

export type WatchBus = "Redis pub/sub" | "PostgreSQL NOTIFY";
export type WatchPath = "across replicas" | "same replica";

export interface InterruptLatencyRow {
  bus: WatchBus;
  path: WatchPath;
  run: InterruptLatencyRun;
}

export interface WatchReport {
  /** Lines describing the machine and the run. */
  machine: string[];
  cores: number;
  rpc: EventStreamRpc;
  heartbeatMs: number;
  warmup: number;
  interrupts: number;
  eventTimeoutMs: number;
  latency: InterruptLatencyRow[];
  streams: OpenStreamsRun;
  /** Server log lines at warn level or above, per server. */
  serverWarnings: string[];
  durationSeconds: number;
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : "–");
const mib = (kib: number) => (kib / 1024).toFixed(1);
const count = (value: number) => value.toLocaleString("en-US");
const memoryRow = (label: string, point: MemoryPoint) =>
  `| ${label} | ${mib(point.rssKiB)} | ${point.probe === undefined ? "–" : mib(point.probe.rssKiB)} | ${point.probe === undefined ? "–" : mib(point.probe.heapUsedKiB)} | ${point.probe === undefined ? "–" : mib(point.probe.externalKiB)} |`;

/** What the live heap (after forced GCs) did while events flowed, streams open, and once they closed. */
function heapGrowth(s: OpenStreamsRun): string[] {
  const opened = s.memory.opened.probe;
  const end = s.memory.endFlowing.probe;
  const closed = s.memory.afterClose.probe;
  if (opened === undefined || end === undefined || closed === undefined) return [];
  const grown = end.heapUsedKiB - opened.heapUsedKiB;
  return [
    `Live heap while the events flowed (forced GC at both ends, streams open): ${grown >= 0 ? "+" : ""}${mib(grown)} MiB, ` +
      `${((grown * 1024) / Math.max(1, s.deliveries.delivered)).toFixed(0)} bytes per delivered event ` +
      `(${(s.deliveries.delivered / s.streams).toFixed(0)} events per stream); after the streams were cancelled: ${mib(closed.heapUsedKiB)} MiB.`,
    "",
  ];
}

/** The whole run as markdown: machine, interrupt-to-watcher latency, the open streams. */
export function formatWatchReport(report: WatchReport): string {
  const { streams: s } = report;
  const lines: string[] = [];
  lines.push("## Watch: interrupt-to-watcher latency and open streams", "");
  lines.push(...report.machine.map((line) => `- ${line}`), `- whole run: ${report.durationSeconds.toFixed(0)} s`, "");

  lines.push(
    `### Interrupt to watcher (${report.rpc}, --heartbeat-ms ${report.heartbeatMs}; ${report.warmup} discarded + ${report.interrupts} measured, sequential)`,
    "",
    "| bus | watcher → writer | measured | p50 ms | p99 ms | max ms | mean ms | PutWrites answer p50 ms | seen before the answer | late (> " +
      `${report.eventTimeoutMs / 1000} s) | write errors | stream error |`,
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  );
  for (const row of report.latency) {
    const r = row.run;
    const where = row.path === "across replicas" ? "A → B (across replicas)" : "A → A (same replica)";
    lines.push(
      `| ${row.bus} | ${where} | ${r.latency.count}${r.cutShort ? " (cut short)" : ""} | ${ms(r.latency.p50Ms)} | ${ms(r.latency.p99Ms)} | ${ms(r.latency.maxMs)} | ${ms(r.latency.meanMs)} | ${ms(r.ack.p50Ms)} | ${r.receivedBeforeAck} | ${r.late} | ${r.writeErrors} | ${r.streamError ?? r.firstWriteError ?? "none"} |`,
    );
  }
  lines.push("");

  lines.push(
    `### ${count(s.streams)} open ${s.rpc} streams (${s.clients} connections × ${s.streams / s.clients} streams, ${s.threads} threads, ${s.streams / s.threads} streams per thread)`,
    "",
    `Streams live: ${count(s.streamsOpened)} of ${count(s.streams)} (every one had its thread's opening event after ${Math.round(s.openMs)} ms); ` +
      `the server had ${s.serverConnections} connections open (the writer's included).`,
    "",
    "| server memory, MiB | RSS | after a forced full GC: RSS | heap used | external (incl. array buffers) |",
    "| --- | ---: | ---: | ---: | ---: |",
    memoryRow("before opening (idle, after a 10-stream warm-up)", s.memory.before),
    memoryRow(`${count(s.streams)} streams open, idle`, s.memory.opened),
    `| peak while events flowed (sampled every 100 ms) | ${mib(s.memory.peakFlowingRssKiB)} | – | – | – |`,
    memoryRow("end of the flow, streams still open", s.memory.endFlowing),
    memoryRow("2 s after the streams were cancelled", s.memory.afterClose),
    "",
    `Per open stream: RSS (${mib(s.memory.opened.rssKiB)} − ${mib(s.memory.before.rssKiB)}) MiB / ${count(s.streams)} = **${s.perStreamKiB.toFixed(1)} KiB**` +
      (s.perStreamHeapKiB === undefined ? "." : `; live heap after a forced GC: **${s.perStreamHeapKiB.toFixed(1)} KiB**.`),
    "",
    ...heapGrowth(s),
    "| Puts planned | Puts ok | failed | sent in s | writer stalls | deliveries expected | delivered | missing | duplicates | gaps | failed streams | drain ms |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    `| ${count(s.puts.planned)} | ${count(s.puts.ok)} | ${s.puts.failed} | ${s.puts.sendSeconds.toFixed(1)} | ${s.puts.stalls} | ${count(s.deliveries.expected)} | ${count(s.deliveries.delivered)} | ${s.deliveries.missing} | ${s.deliveries.duplicates} | ${s.deliveries.gaps} | ${s.deliveries.streamErrors} | ${Math.round(s.deliveries.drainMs)} |`,
    "",
    `CPU from the first Put to the end of the drain, in cores (of ${report.cores}): checkpointd ${s.serverCpu.coreShare.toFixed(2)}, ` +
      `PostgreSQL ${s.otherCpu.postgresCoreShare.toFixed(2)}, the bench process (${count(s.streams)} stream readers and the writer) ${s.otherCpu.benchCoreShare.toFixed(2)}. ` +
      `checkpointd: ${s.serverCpu.microsPerPut.toFixed(0)} µs per Put, ${s.serverCpu.microsPerDelivery.toFixed(0)} µs per delivered event. ` +
      `Busy server connections to PostgreSQL (of 13: pool 10, NOTIFY 2, LISTEN 1; every 250 ms): mean ${s.busyConnections.mean.toFixed(1)}, max ${s.busyConnections.max}, ≥ 10 in ${s.busyConnections.samplesAtLeast10} of ${s.busyConnections.samples} samples. ` +
      `PostgreSQL committed ${count(s.postgresCommits)} transactions in the server's database (${(s.postgresCommits / Math.max(1, s.deliveries.delivered)).toFixed(2)} per delivered event, ${(s.postgresCommits / Math.max(1, s.puts.ok)).toFixed(1)} per Put). ` +
      `The bench's own event-loop delay: p99 ${ms(s.benchLoopDelay.p99Ms)} ms, max ${ms(s.benchLoopDelay.maxMs)} ms. Heartbeats seen: ${s.deliveries.heartbeats}.`,
  );
  lines.push(
    "",
    "Latency by when the Put was sent (delivery: Put sent → a stream has the event, one sample per stream; Put: sent → answered):",
    "",
    "| Puts sent in | deliveries | delivery p50 ms | p99 ms | max ms | Put answer p50 ms | p99 ms | max ms |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...[...s.latencyByWindow, { fromS: 0, toS: s.puts.sendSeconds, latency: s.latency, put: s.putLatency, whole: true }].map((w) => {
      const label = "whole" in w ? "**whole flow**" : `${w.fromS}–${w.toS} s`;
      return `| ${label} | ${count(w.latency.count)} | ${ms(w.latency.p50Ms)} | ${ms(w.latency.p99Ms)} | ${ms(w.latency.maxMs)} | ${ms(w.put.p50Ms)} | ${ms(w.put.p99Ms)} | ${ms(w.put.maxMs)} |`;
    }),
  );
  if (s.flowProbe !== undefined) {
    const f = s.flowProbe;
    lines.push(
      "",
      `Inside the server, from the end of opening to the end of the drain: event-loop delay p99 ${ms(f.loopDelayP99Ms)} ms, max ${ms(f.loopDelayMaxMs)} ms; ` +
        `${f.gcCount} GCs, ${ms(f.gcTotalMs)} ms of pauses in all, the longest ${ms(f.gcMaxMs)} ms.`,
    );
  }
  if (s.puts.firstError !== undefined) lines.push("", `First Put error: ${s.puts.firstError}`);
  if (s.deliveries.firstStreamError !== undefined) lines.push("", `First stream error: ${s.deliveries.firstStreamError}`);
  if (s.deliveries.short.length > 0) lines.push("", "Streams short of events:", ...s.deliveries.short.map((line) => `- ${line}`));
  lines.push("", report.serverWarnings.length === 0 ? "Server warnings and errors: none." : "Server warnings and errors:", "");
  lines.push(...report.serverWarnings.map((line) => `- \`${line}\``));
  return lines.join("\n");
}
