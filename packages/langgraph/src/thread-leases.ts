import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { leaseRefusalMessage, type CheckpointdClient } from "@checkpointd/client";

/** `singleWriter` options of CheckpointdSaver. */
export interface SingleWriterOptions {
  /** Named to other workers while this saver holds a thread (default: host, pid and a random suffix). */
  holder?: string;
  /** The lease's ttl; it is renewed every third of it (default 30 s). */
  ttlMs?: number;
  /** How long the first call of a run waits for another holder's lease to end (default 0: fail at once). */
  waitMs?: number;
}

/** Thrown into the graph when this saver no longer holds the thread's lease: stop the run, another worker owns the thread. */
export class LeaseLostError extends Error {
  constructor(
    readonly threadId: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`lease on thread ${threadId} lost: ${message}`, options);
    this.name = "LeaseLostError";
  }
}

interface Held {
  threadId: string;
  leaseId: string;
  token: bigint;
  timer: NodeJS.Timeout;
  lost: LeaseLostError | undefined;
}

const ttlOf = (ms: number) => ({ seconds: BigInt(Math.floor(ms / 1000)), nanos: Math.round(ms % 1000) * 1e6 });

/**
 * The leases of one saver: a thread's lease is taken at the first call for it,
 * renewed in the background every ttl/3, and its fencing token goes with every
 * write until release(). A renewal or write refused with FAILED_PRECONDITION
 * means another worker took the thread: from then on every call for it throws
 * LeaseLostError.
 */
export class ThreadLeases {
  readonly holder: string;
  private readonly ttlMs: number;
  private readonly waitMs: number;
  private readonly held = new Map<string, Promise<Held>>();

  constructor(
    private readonly client: CheckpointdClient,
    options: SingleWriterOptions = {},
  ) {
    this.holder = options.holder ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.ttlMs = options.ttlMs ?? 30_000;
    this.waitMs = options.waitMs ?? 0;
    if (!(this.ttlMs >= 100 && this.ttlMs <= 3_600_000))
      throw new Error(`singleWriter.ttlMs must be from 100 to 3600000, not ${this.ttlMs}`);
  }

  /** The thread's fencing token, taking the lease first if this saver does not hold it yet. */
  async token(threadId: string): Promise<bigint> {
    let held = this.held.get(threadId);
    if (held === undefined) {
      held = this.acquire(threadId);
      this.held.set(threadId, held);
      held.catch(() => this.held.delete(threadId));
    }
    const lease = await held;
    if (lease.lost !== undefined) throw lease.lost;
    return lease.token;
  }

  /**
   * Holds a lease taken elsewhere (a standby's waitForLease) as this saver's own: renewed from
   * now on, its token on every write, released by release(). Throws if this saver holds the thread already.
   */
  adopt(threadId: string, lease: { leaseId: string; fencingToken: bigint }): void {
    if (this.held.has(threadId)) throw new Error(`this saver already holds thread ${threadId}`);
    this.held.set(threadId, Promise.resolve(this.hold(threadId, lease.leaseId, lease.fencingToken)));
  }

  /** The token if this saver holds the thread, without taking it. */
  async tokenIfHeld(threadId: string): Promise<bigint | undefined> {
    return this.held.has(threadId) ? this.token(threadId) : undefined;
  }

  /** Runs a write; a refusal for the lease marks it lost and throws LeaseLostError. */
  async fenced<T>(threadId: string, write: (token: bigint) => Promise<T>): Promise<T> {
    const token = await this.token(threadId);
    try {
      return await write(token);
    } catch (error) {
      const refusal = leaseRefusalMessage(error);
      if (refusal === undefined) throw error;
      const lease = await this.held.get(threadId);
      const lost = new LeaseLostError(threadId, refusal, { cause: error });
      if (lease !== undefined && lease.token === token) this.markLost(lease, lost);
      throw lost;
    }
  }

  /** Ends the thread's lease (the run is over); a no-op when not held. */
  async release(threadId: string): Promise<void> {
    const held = this.held.get(threadId);
    if (held === undefined) return;
    this.held.delete(threadId);
    const lease = await held.catch(() => undefined);
    if (lease === undefined) return;
    clearInterval(lease.timer);
    if (lease.lost === undefined) await this.client.releaseLease({ threadId, leaseId: lease.leaseId });
  }

  async releaseAll(): Promise<void> {
    await Promise.all([...this.held.keys()].map((threadId) => this.release(threadId)));
  }

  private async acquire(threadId: string): Promise<Held> {
    const got = await this.client.acquireLease(
      { threadId, holder: this.holder, ttl: ttlOf(this.ttlMs), ...(this.waitMs > 0 ? { wait: ttlOf(this.waitMs) } : {}) },
      this.waitMs > 0 ? { timeoutMs: this.waitMs + 10_000 } : undefined,
    );
    return this.hold(threadId, got.leaseId, got.fencingToken);
  }

  /** A held lease, renewed every ttl/3 (an unref'd timer) until released or lost. */
  private hold(threadId: string, leaseId: string, token: bigint): Held {
    const lease: Held = {
      threadId,
      leaseId,
      token,
      timer: setInterval(() => void this.renew(lease), Math.max(30, Math.floor(this.ttlMs / 3))),
      lost: undefined,
    };
    lease.timer.unref();
    return lease;
  }

  private async renew(lease: Held): Promise<void> {
    if (lease.lost !== undefined) return;
    try {
      await this.client.renewLease(
        { threadId: lease.threadId, leaseId: lease.leaseId },
        { timeoutMs: Math.max(50, Math.floor(this.ttlMs / 3)) },
      );
    } catch (error) {
      // Unreachable for a moment: the next tick tries again; the lease expires only after ttl.
      const refusal = leaseRefusalMessage(error);
      if (refusal !== undefined) this.markLost(lease, new LeaseLostError(lease.threadId, refusal));
    }
  }

  private markLost(lease: Held, lost: LeaseLostError) {
    lease.lost ??= lost;
    clearInterval(lease.timer);
  }
}
