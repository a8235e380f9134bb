/**
 * Tells every replica that a thread has new events. A thread is named by its
 * topic (thread-topic.ts: tenant and thread id), never by the id alone. A notification carries no
 * event: subscribers read what they have not seen from storage, so a lost or
 * duplicated notification costs a read, never an event (they also re-read on
 * every heartbeat).
 */
export interface EventBus {
  /**
   * After the events' transactions committed: one notification for each of
   * the threads (the EventHub hands over all the threads of one event-loop
   * turn at once). Never throws: a failed publish is logged.
   */
  publish(threadIds: readonly string[]): Promise<void>;
  /** Calls `listener` on every notification for the thread, from any replica. Returns the unsubscribe. */
  subscribe(threadId: string, listener: () => void): () => void;
  close(): Promise<void>;
}
