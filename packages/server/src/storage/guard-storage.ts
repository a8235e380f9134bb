import { Code, ServiceError } from "../errors/service-error.js";
import type { Storage } from "./checkpoint-storage.js";

const connectionErrnos = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH", "EAI_AGAIN"]);
// Postgres refused because of the input itself: NUL in text, oversized row, bad JSON, or a
// statement with more than 65535 parameters (e.g. DeleteForRuns with ~65k run_ids; inserts are chunked): the pg driver
// sends the count in 16 bits, so Postgres rejects the Bind message as a protocol violation
// (08P01). That is class 08 but no lost connection: retrying cannot help.
const inputSqlStates = new Set(["22P05", "22021", "54000", "22P02", "2200C", "22001", "08P01"]);

function describe(error: unknown): { code?: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? { code, message: error.message } : { message: error.message };
  }
  return { message: String(error) };
}

/** Maps a database error to what a client may see. Unknown errors pass through (they become INTERNAL). */
export function toServiceError(error: unknown): unknown {
  if (error instanceof ServiceError) return error;
  const { code, message } = describe(error);
  const connectionLost =
    (code !== undefined &&
      !inputSqlStates.has(code) &&
      (connectionErrnos.has(code) || code.startsWith("08") || code.startsWith("57P") || code === "53300")) ||
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      message,
    );
  if (connectionLost) {
    return new ServiceError(Code.Unavailable, "storage unavailable: the database cannot be reached; retry later", { cause: error });
  }
  if (code !== undefined && inputSqlStates.has(code)) {
    return new ServiceError(Code.InvalidArgument, `the database rejected the input: ${message}`, { cause: error });
  }
  return error;
}

function wrap<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return (...args) => fn(...args).catch((error: unknown) => Promise.reject(toServiceError(error)));
}

async function* wrapIterable<T>(iterable: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* iterable;
  } catch (error) {
    throw toServiceError(error);
  }
}

/** Decorates storage so that a database outage surfaces as UNAVAILABLE and bad input as INVALID_ARGUMENT. */
export function guardStorage(storage: Storage): Storage {
  return {
    readEvents: wrap(storage.readEvents),
    createResume: wrap(storage.createResume),
    claimResume: wrap(storage.claimResume),
    put: wrap(storage.put),
    putWrites: wrap(storage.putWrites),
    getTuple: wrap(storage.getTuple),
    hasCheckpoint: wrap(storage.hasCheckpoint),
    list: (query, signal) => wrapIterable(storage.list(query, signal)),
    deleteThread: wrap(storage.deleteThread),
    copyThread: wrap(storage.copyThread),
    deleteForRuns: wrap(storage.deleteForRuns),
    prune: wrap(storage.prune),
    ping: wrap(storage.ping),
    close: () => storage.close(),
  };
}
