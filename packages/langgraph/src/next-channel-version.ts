import { randomBytes } from "node:crypto";

/** Bits of a double's significand: an integer part of b bits leaves 53 - b for the fraction. */
const SIGNIFICAND_BITS = 53;

const bitLength = (n: number): number => (n < 1 ? 0 : Math.floor(Math.log2(n)) + 1);

/** A random k / 2^bits with 1 <= k < 2^bits: strictly between 0 and 1, exact as a double. */
function randomFraction(bits: number): number {
  const k = randomBytes(8).readBigUInt64BE() >> BigInt(64 - bits);
  return Number(k === 0n ? 1n : k) / 2 ** bits;
}

/**
 * LangGraph Python's version format (`f"{n:032}.{random:016}"` in its PostgresSaver and InMemorySaver),
 * for a thread that Python wrote: its integer part is the step, its tail makes a fork's version its own.
 */
function nextPythonVersion(current: string): string {
  const step = Number.parseInt(current.split(".")[0] ?? "", 10);
  const tail = (Number(randomBytes(6).readUIntBE(0, 6)) / 2 ** 48).toFixed(16);
  return `${String((Number.isFinite(step) ? step : 0) + 1).padStart(32, "0")}.${tail}`;
}

/**
 * The version a channel gets after `current`: the next integer, plus a random fraction.
 *
 * LangGraph.js's default (`current + 1`) gives two forks of one checkpoint the same version for the
 * same channel, and a saver that stores a value once per (thread, namespace, channel, version) gives
 * the second fork the first one's value. Here each fork's version is its own (up to 52 random bits,
 * fewer as the step grows: 32 at a million steps), and still a number, so LangGraph compares it as it
 * compares the integers older checkpoints hold (`>` and `compareChannelVersions` both numerically):
 * floor(current) + 1 + f, 0 < f < 1, is greater than current and than every version it was made
 * after. A string (a thread LangGraph Python wrote) continues Python's own format.
 */
export function nextChannelVersion(current: number | string | undefined): number | string {
  if (typeof current === "string") return nextPythonVersion(current);
  const next = (current === undefined || !Number.isFinite(current) ? 0 : Math.floor(current)) + 1;
  const bits = Math.min(SIGNIFICAND_BITS - bitLength(next), 52);
  return bits < 1 ? next : next + randomFraction(bits);
}
