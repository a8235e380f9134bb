/** Percent-escapes what would end the tenant part early. */
const escape = (s: string) => s.replace(/[%/]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * What the event bus carries for a thread: the tenant (escaped, so the first
 * "/" ends it) and the thread id. One (tenant, thread) pair, one topic: the same
 * thread id under two tenants never wakes the other's watchers. Holds no NUL
 * (the Redis bus's separator), since neither part can (PostgreSQL text).
 */
export const threadTopic = (tenant: string, threadId: string): string => `${escape(tenant)}/${threadId}`;
