import { spawnCheckpointd } from "@checkpointd/test-support";
import { readRssKiB } from "../watch/read-rss-kib.js";

export interface SweepInServerOptions {
  databaseUrl: string;
  keep: number;
  /** Threads the pass looks at (--sweep-batch): every thread, for one pass over all. */
  batch: number;
  /** Give up (and stop the server) after this long. */
  maxSeconds: number;
}

export interface SweepInServerResult {
  passSeconds: number;
  /** The pass's own report, as the server logged it ("sweeper pass"). */
  pass: { checkpointsDeleted: number; eventsTrimmed: number; threadsPruned: number };
  /** The server process's resident memory (VmRSS), sampled every 250 ms from listening to the pass's end. */
  rssMiB: { idle: number; max: number; last: number; samples: number; byTenth: number[] };
}

const rssOf = (pid: number) => (readRssKiB(pid) ?? 0) / 1024;

/**
 * One sweeper pass as a server runs it, in a `checkpointd serve` process of its own
 * (`--retention-max-versions`, a 1 s interval): its RSS is the server's alone, not that of
 * the bench's writers. The pass is over when the server logs it.
 */
export async function sweepInServer(options: SweepInServerOptions): Promise<SweepInServerResult> {
  const server = await spawnCheckpointd(
    [
      "--retention-max-versions",
      String(options.keep),
      "--sweep-interval",
      "1s",
      "--sweep-batch",
      String(options.batch),
      "--http-port",
      "off",
    ],
    {
      DATABASE_URL: options.databaseUrl,
      LOG_LEVEL: "info",
    },
  );
  const pid = server.process.pid!;
  const rss = [rssOf(pid)];
  const sampler = setInterval(() => rss.push(rssOf(pid)), 250);
  const started = performance.now();
  try {
    const deadline = Date.now() + options.maxSeconds * 1000;
    for (;;) {
      const line = server
        .output()
        .stdout.split("\n")
        .find((l) => l.includes('"sweeper pass"'));
      if (line !== undefined) {
        const { sweep } = JSON.parse(line) as { sweep: SweepInServerResult["pass"] };
        const passSeconds = (performance.now() - started) / 1000;
        rss.push(rssOf(pid));
        const mib = (n: number) => Math.round(n);
        // The RSS at each tenth of the pass: flat, or growing with what the pass has done.
        const byTenth = Array.from({ length: 10 }, (_, i) => mib(rss[Math.floor(((i + 1) * (rss.length - 1)) / 10)]!));
        return {
          passSeconds,
          pass: sweep,
          rssMiB: { idle: mib(rss[0]!), max: mib(Math.max(...rss)), last: mib(rss.at(-1)!), samples: rss.length, byTenth },
        };
      }
      if (Date.now() > deadline) throw new Error(`no sweeper pass logged within ${options.maxSeconds} s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    clearInterval(sampler);
    await server.stop();
  }
}
