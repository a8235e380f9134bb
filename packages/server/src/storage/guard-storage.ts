import { Code, ServiceError } from "../errors/service-error.js";
import type { StorageMetrics } from "../metrics/storage-metrics.js";
import type { Storage, TenantStorage } from "./checkpoint-storage.js";

const connectionErrnos = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH", "EAI_AGAIN"]);
// Postgres refused because of the input itself: NUL in text, oversized row, bad JSON, or a
// statement with more than 65535 parameters (e.g. DeleteForRuns with ~65k run_ids; inserts are chunked): the pg driver
// sends the count in 16 bits, so Postgres rejects the Bind message as a protocol violation
// (08P01). That is class 08 but no lost connection: retrying cannot help.
const inputSqlStates = new Set(["22P05", "22021", "54000", "22P02", "2200C", "22001", "08P01"]);

// The database gave up on the transaction because of a concurrent one (deadlock, serialization failure).
// Nothing of it was committed, and running it again is what PostgreSQL advises.
const conflictSqlStates = new Set(["40P01", "40001"]);
/** A fenced write refused (checkpointd_fence, migration 0006): its message names the holder and expiry. */
const fenceSqlState = "CK001";
/** Tries of a call that keeps losing such conflicts before it fails with ABORTED. */
export const conflictAttempts = 3;

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
  if (code === fenceSqlState) return new ServiceError(Code.FailedPrecondition, message, { cause: error });
  if (code !== undefined && conflictSqlStates.has(code)) {
    return new ServiceError(Code.Aborted, `the database aborted the write for a concurrent one (${message}); retry`, { cause: error });
  }
  return error;
}

const isConflict = (error: unknown) => {
  const { code } = describe(error);
  return code !== undefined && conflictSqlStates.has(code);
};

/**
 * A call that lost a deadlock or serialization conflict runs again, after a
 * few milliseconds of jitter, up to conflictAttempts times: every storage call
 * is one transaction or one statement, so a failed try left nothing behind.
 */
function retrying<A extends unknown[], R>(fn: (...args: A) => Promise<R>, onRetry?: () => void): (...args: A) => Promise<R> {
  return async (...args) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(...args);
      } catch (error) {
        if (attempt < conflictAttempts && isConflict(error)) {
          onRetry?.();
          await new Promise((resolve) => setTimeout(resolve, attempt * (5 + Math.random() * 20)));
          continue;
        }
        throw toServiceError(error);
      }
    }
  };
}

async function* wrapIterable<T>(iterable: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* iterable;
  } catch (error) {
    throw toServiceError(error);
  }
}

/** guardStorage for every tenant's view, and the liveness probe. */
export function guardTenantStorage(storages: TenantStorage, metrics?: StorageMetrics): TenantStorage {
  return {
    forTenant: (tenant) => guardStorage(storages.forTenant(tenant), metrics),
    ping: retrying(() => storages.ping()),
    close: () => storages.close(),
  };
}

/**
 * Decorates storage so that a database outage surfaces as UNAVAILABLE, bad
 * input as INVALID_ARGUMENT, and a call that keeps losing concurrency
 * conflicts (after its retries) as ABORTED.
 */
export function guardStorage(storage: Storage, metrics?: StorageMetrics): Storage {
  const onRetry = metrics === undefined ? undefined : () => metrics.conflictRetries.inc();
  const wrap = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => retrying(fn, onRetry);
  return {
    readEvents: wrap(storage.readEvents),
    createResume: wrap(storage.createResume),
    claimResume: wrap(storage.claimResume),
    put: wrap(storage.put),
    putWrites: wrap(storage.putWrites),
    getTuple: wrap(storage.getTuple),
    hasCheckpoint: wrap(storage.hasCheckpoint),
    list: (query, signal) => wrapIterable(storage.list(query, signal)),
    deltaChannelHistory: wrap(storage.deltaChannelHistory),
    deleteThread: wrap(storage.deleteThread),
    copyThread: wrap(storage.copyThread),
    deleteForRuns: wrap(storage.deleteForRuns),
    prune: wrap(storage.prune),
    acquireLease: wrap(storage.acquireLease),
    renewLease: wrap(storage.renewLease),
    releaseLease: wrap(storage.releaseLease),
    expireLease: wrap(storage.expireLease),
    readLease: wrap(storage.readLease),
    getThread: wrap(storage.getThread),
    setRetention: wrap(storage.setRetention),
    touchThread: wrap(storage.touchThread),
    threadStorage: wrap(storage.threadStorage),
  };
}
