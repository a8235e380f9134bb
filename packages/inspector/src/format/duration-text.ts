import type { Duration } from "@bufbuild/protobuf/wkt";

/** Durations as people type and read them, in the server's flag syntax: `500ms`, `30s`, `5m`, `1h30m`, `7d`, `2w`. */

const unitMs = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
type Unit = keyof typeof unitMs;

/**
 * Milliseconds from `1h30m`-style text (`0` alone means zero); an Error for anything else. The
 * range (at most 100 years, 0 or at least 1 ms) is the server's to check: it answers INVALID_ARGUMENT.
 */
export function parseDurationText(text: string): number | Error {
  const t = text.trim();
  if (t === "0") return 0;
  if (!/^(\d+(ms|s|m|h|d|w))+$/.test(t)) return new Error(`"${text}" is not a duration (like 500ms, 30s, 5m, 1h30m, 7d, or 0)`);
  let ms = 0;
  for (const [, n, unit] of t.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) ms += Number(n) * unitMs[unit as Unit];
  return Number.isSafeInteger(ms) ? ms : new Error(`"${text}" is too long a duration`);
}

/** `1d2h`, `90s` → `1m30s`, `0`; weeks are shown as days. */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return "0";
  let rest = ms;
  let text = "";
  for (const unit of ["d", "h", "m", "s", "ms"] as const) {
    const n = Math.floor(rest / unitMs[unit]);
    if (n > 0) text += `${n}${unit}`;
    rest -= n * unitMs[unit];
  }
  return text;
}

export const durationToMs = (d: Duration): number => Number(d.seconds) * 1000 + Math.floor(d.nanos / 1_000_000);

export const msToDuration = (ms: number): { seconds: bigint; nanos: number } => ({
  seconds: BigInt(Math.floor(ms / 1000)),
  nanos: (ms % 1000) * 1_000_000,
});
