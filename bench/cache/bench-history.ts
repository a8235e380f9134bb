/**
 * The shape of the seeded data: one hot thread with a 100-checkpoint history,
 * cloned (rows copied in SQL) into as many cold threads as the miss runs need.
 */
export const benchHistory = {
  /** The thread every "latest" scenario reads. */
  hotThreadId: "bench-hot",
  checkpointsPerThread: 100,
  /**
   * Checkpoint i of every thread (0 = oldest). Ids sort in step order, like
   * LangGraph's uuid6 ids, and have a fixed width so that a ghz template can
   * build them: the last group is 9 zeros and the 3 digits of 100 + i.
   */
  checkpointIdPrefix: "1ef8b0c2-5a7d-6f3e-8004-000000000",
  checkpointId: (index: number): string => `${benchHistory.checkpointIdPrefix}${100 + index}`,
  /** Cold thread n of the group `prefix` (one group per ghz run, so that no run reads what another read). */
  coldThreadId: (prefix: string, n: number | string): string => `${prefix}-${n}`,
  /** Cold threads a group needs so that `requests` reads each get their own (thread, checkpoint). */
  coldThreadsFor: (requests: number): number => Math.ceil(requests / benchHistory.checkpointsPerThread),
};
