import type { CheckpointdClient } from "@checkpointd/client";
import { usageError } from "./command-error.js";
import type { Output } from "./output.js";

/** A flag of one verb. */
export interface VerbOption {
  readonly type: "string" | "boolean";
  readonly help: string;
  readonly multiple?: boolean;
  readonly metavar?: string;
}

export interface VerbContext {
  /** Positional arguments after the verb. */
  readonly args: readonly string[];
  /** The verb's own flags, as parsed. */
  readonly options: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly json: boolean;
  readonly out: Output;
  /** Opens the connection on first use (verbs that fail on their arguments never dial). */
  client(): CheckpointdClient;
  readonly signal: AbortSignal;
}

/** A client verb of `checkpointd`: its usage line, its flags and what it does. */
export interface Verb {
  readonly name: string;
  /** Positional arguments, as the usage shows them: `THREAD [CHECKPOINT_ID]`. */
  readonly synopsis: string;
  readonly summary: string;
  readonly options?: Readonly<Record<string, VerbOption>>;
  /** At least this many and at most this many positional arguments (Infinity: any). */
  readonly arity: readonly [number, number];
  run(context: VerbContext): Promise<void>;
}

/** A string flag's value, or undefined. */
export function stringOption(context: VerbContext, name: string): string | undefined {
  const value = context.options[name];
  return typeof value === "string" ? value : undefined;
}

/** A non-negative integer flag, or the fallback. */
export function integerOption(context: VerbContext, name: string, fallback: number | undefined): number | undefined {
  const raw = stringOption(context, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw usageError(`--${name}: expected a non-negative integer, got "${raw}"`);
  return Number(raw);
}
