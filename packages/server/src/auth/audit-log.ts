import type { Logger } from "pino";
import type { CallIdentity } from "../domain/call-identity.js";
import { clientSafeStatus } from "../errors/client-safe-status.js";
import { Code } from "../errors/service-error.js";

export interface AuditLog {
  /** A call refused by the authentication layer (or, for an admin call, failed). */
  denied(identity: CallIdentity | undefined, method: string, request: unknown, error: unknown): void;
  /** An admin call that ran, with how it ended. */
  admin(identity: CallIdentity, method: string, request: unknown, error: unknown): void;
}

const maxIds = 20;
const maxIdLength = 200;
const id = (value: string) => (value.length > maxIdLength ? `${value.slice(0, maxIdLength)}…` : value);
const ids = (values: readonly string[]) => values.slice(0, maxIds).map(id);

interface Targets {
  thread?: string;
  targetThread?: string;
  threads?: string[];
  runs?: string[];
}

/** The ids a request names (threads, runs), never a value: enough to say what a call touched. */
function targetsOf(request: unknown): Targets {
  if (typeof request !== "object" || request === null) return {};
  const r = request as {
    threadId?: unknown;
    config?: { threadId?: unknown };
    sourceThreadId?: unknown;
    targetThreadId?: unknown;
    threadIds?: unknown;
    runIds?: unknown;
  };
  const targets: Targets = {};
  const thread = typeof r.threadId === "string" ? r.threadId : typeof r.sourceThreadId === "string" ? r.sourceThreadId : r.config?.threadId;
  if (typeof thread === "string" && thread !== "") targets.thread = id(thread);
  if (typeof r.targetThreadId === "string") targets.targetThread = id(r.targetThreadId);
  if (Array.isArray(r.threadIds)) targets.threads = ids(r.threadIds as string[]);
  if (Array.isArray(r.runIds)) targets.runs = ids(r.runIds as string[]);
  return targets;
}

const codeName = (code: Code | 0) =>
  code === 0 ? "OK" : (Code[code]?.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c : `_${c}`)).toUpperCase() ?? String(code));

/**
 * One structured line (`audit: true`) per denied call and per admin call:
 * tenant, subject (key id or JWT subject), method, the thread or run ids the
 * request names, the status code and, for a refusal, its client-safe reason.
 * Never a token and never a value.
 */
export function createAuditLog(logger: Logger): AuditLog {
  const line = (
    level: "info" | "warn",
    identity: CallIdentity | undefined,
    method: string,
    request: unknown,
    error: unknown,
    what: string,
  ) => {
    const status = error === undefined ? undefined : clientSafeStatus(error, method, undefined);
    logger[level](
      {
        audit: true,
        tenant: identity?.tenant,
        subject: identity?.subject,
        method,
        ...targetsOf(request),
        code: codeName(status?.code ?? 0),
        ...(status === undefined ? {} : { reason: status.message }),
      },
      what,
    );
  };
  return {
    denied: (identity, method, request, error) => line("warn", identity, method, request, error, "call denied"),
    admin: (identity, method, request, error) =>
      line(error === undefined ? "info" : "warn", identity, method, request, error, "admin call"),
  };
}
