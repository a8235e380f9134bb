import { rejected, orOff, type SettingParser } from "./setting-parser.js";

/** A decimal integer from `min` to `max` (no sign, no fraction, no hex). */
export function integer(min: number, max: number, metavar = "N"): SettingParser<number> {
  const expected = `an integer from ${min} to ${max}`;
  return {
    metavar,
    expected,
    flagType: "string",
    parse(raw, setting) {
      const n = Number(raw);
      if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) throw rejected(setting, expected, raw);
      return n;
    },
  };
}

/** A TCP port; 0 picks a free one. */
export function port(): SettingParser<number> {
  return integer(0, 65535, "PORT");
}

/** A TCP port, or `off` (undefined) for no listener. */
export function portOrOff(): SettingParser<number | undefined> {
  return orOff(port());
}

const unitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
type Unit = keyof typeof unitMs;

/** The shortest exact spelling of a whole number of milliseconds: 90000 -> "90s", 604800000 -> "1w". */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  const units = (Object.keys(unitMs) as Unit[]).reverse();
  const unit = units.find((u) => ms % unitMs[u] === 0) ?? "ms";
  return `${ms / unitMs[unit]}${unit}`;
}

/**
 * A duration written with units, summed: `500ms`, `30s`, `5m`, `1h30m`, `7d`, `2w`; the value is in
 * milliseconds, from `min` to `max` (both in ms). A bare number is an error: its unit would be a guess.
 */
export function duration(min: number, max: number): SettingParser<number> {
  const expected = `a duration from ${formatDuration(min)} to ${formatDuration(max)} (like 500ms, 30s, 5m, 1h30m, 7d)`;
  return {
    metavar: "DURATION",
    expected,
    flagType: "string",
    parse(raw, setting) {
      const text = raw.trim();
      if (!/^(\d+(ms|s|m|h|d|w))+$/.test(text)) throw rejected(setting, expected, raw);
      let ms = 0;
      for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) ms += Number(n) * unitMs[unit as Unit];
      if (!Number.isSafeInteger(ms) || ms < min || ms > max) throw rejected(setting, expected, raw);
      return ms;
    },
  };
}
