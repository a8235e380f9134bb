/**
 * Checkpoint times for point-in-time reads. A checkpoint's `ts` is whatever the
 * client wrote (LangGraph Python: `2024-07-31T20:14:19.804150+00:00`, JS:
 * `2024-07-31T20:14:19.804Z`); storage keeps a copy as a timestamptz so that
 * "at or before" compares instants, not strings. Both sides are brought to
 * one text form, UTC with six fraction digits, which PostgreSQL parses the
 * same in every session time zone.
 */

/** An ISO 8601 / RFC 3339 date-time with an explicit offset; a space may stand for the T. */
const isoTime = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2})?)$/;

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/** `YYYY-MM-DDTHH:MM:SS.ffffffZ` for whole milliseconds since the epoch plus 0..999 microseconds. */
function utcText(epochMs: number, micros: number): string | undefined {
  const date = new Date(epochMs);
  const year = date.getUTCFullYear();
  if (!Number.isFinite(epochMs) || year < 1 || year > 9999) return undefined;
  const ms = date.getUTCMilliseconds() * 1000 + micros;
  return (
    `${pad(year, 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}T` +
    `${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}.${pad(ms, 6)}Z`
  );
}

/**
 * A checkpoint `ts` as UTC text with microseconds (digits beyond the sixth are
 * dropped), or undefined when it is not a valid ISO 8601 time with an offset
 * (such a checkpoint is never found by time; a time without offset would mean
 * whatever the server's zone is).
 */
export function checkpointTimeOf(ts: string): string | undefined {
  const m = isoTime.exec(ts.trim());
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? "0")) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = (m[7] ?? "").padEnd(6, "0").slice(0, 6);
  const offsetMinutes = m[8] !== undefined ? 0 : (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11] ?? "0"));
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59 || offsetMinutes / 60 > 18 || offsetMinutes / 60 < -18)
    return undefined;
  // Date.UTC maps years 0..99 to 1900..1999: set the year on its own.
  const local = new Date(Date.UTC(2000, month - 1, 1, hour, minute, second, Number(fraction.slice(0, 3))));
  local.setUTCFullYear(year, month - 1, day);
  if (local.getUTCDate() !== day || local.getUTCMonth() !== month - 1) return undefined;
  return utcText(local.getTime() - offsetMinutes * 60_000, Number(fraction.slice(3)));
}

/**
 * A protobuf Timestamp (seconds, nanos) as the same UTC text, truncated to
 * microseconds; undefined outside 0001-01-01 .. 9999-12-31 or with nanos out of range.
 */
export function timestampTimeOf(seconds: bigint, nanos: number): string | undefined {
  if (!Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) return undefined;
  const micros = Math.floor(nanos / 1000);
  const epochMs = Number(seconds) * 1000 + Math.floor(micros / 1000);
  if (!Number.isSafeInteger(epochMs)) return undefined;
  return utcText(epochMs, micros % 1000);
}
