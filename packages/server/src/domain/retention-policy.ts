/** What a thread's history keeps (issue 17): the server's defaults, each thread's own policy, and the two merged. */

export type TtlStrategy = "delete" | "keep_latest";

/** A thread's own policy (SetRetention): an undefined field falls back to the default; 0 means "no limit". */
export interface ThreadPolicy {
  maxVersions?: number | undefined;
  maxAgeMs?: number | undefined;
  ttlMs?: number | undefined;
  ttlStrategy?: TtlStrategy | undefined;
  /** Never trimmed, never expired. */
  pinned: boolean;
}

/** The server-wide defaults (the --retention-* and --thread-ttl* flags); 0 means "no limit". */
export interface RetentionDefaults {
  maxVersions: number;
  maxAgeMs: number;
  ttlMs: number;
  ttlStrategy: TtlStrategy;
  refreshOnRead: boolean;
}

/** The policy in force for one thread. */
export interface EffectivePolicy {
  maxVersions: number;
  maxAgeMs: number;
  ttlMs: number;
  ttlStrategy: TtlStrategy;
  pinned: boolean;
}

export const noRetention: RetentionDefaults = { maxVersions: 0, maxAgeMs: 0, ttlMs: 0, ttlStrategy: "delete", refreshOnRead: false };

export function effectivePolicy(defaults: RetentionDefaults, own: ThreadPolicy | undefined): EffectivePolicy {
  return {
    maxVersions: own?.maxVersions ?? defaults.maxVersions,
    maxAgeMs: own?.maxAgeMs ?? defaults.maxAgeMs,
    ttlMs: own?.ttlMs ?? defaults.ttlMs,
    ttlStrategy: own?.ttlStrategy ?? defaults.ttlStrategy,
    pinned: own?.pinned ?? false,
  };
}

/** Whether the policy ever trims a thread's history (by count or age). */
export const trims = (p: EffectivePolicy): boolean => !p.pinned && (p.maxVersions > 0 || p.maxAgeMs > 0);

/** When a thread last touched at `touchedAt` expires under `p`; undefined: never (or already reduced). */
export function expiresAt(p: EffectivePolicy, touchedAt: Date | undefined): Date | undefined {
  if (p.pinned || p.ttlMs <= 0 || touchedAt === undefined) return undefined;
  return new Date(touchedAt.getTime() + p.ttlMs);
}

/** A thread's size and clock, as storage knows them (GetThread). */
export interface ThreadInfo {
  threadId: string;
  checkpointCount: number;
  namespaces: string[];
  storedBytes: number;
  createdAt: Date | undefined;
  lastWriteAt: Date | undefined;
  /** What the TTL counts from; undefined once the thread expired into its latest checkpoints. */
  touchedAt: Date | undefined;
  policy: ThreadPolicy | undefined;
}
