import type { JsonObject } from "@bufbuild/protobuf";
import { usageError } from "./command-error.js";

/** A flag holding JSON; a clear usage error when it does not parse. */
export function parseJsonOption(flag: string, raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    throw usageError(`${flag}: not JSON (${(error as Error).message})`);
  }
}

/** A flag holding a JSON object (a metadata filter). */
export function parseJsonObjectOption(flag: string, raw: string): JsonObject {
  const value = parseJsonOption(flag, raw);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw usageError(`${flag}: expected a JSON object`);
  return value as JsonObject;
}
