import type { DescMethod } from "@bufbuild/protobuf";
import type { BatchRequest, CheckpointService, WatchRequest } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import type { Role } from "../domain/call-identity.js";

type MethodName = keyof (typeof CheckpointService)["method"];

/** A role, or how to find it from the request (Batch: the largest its calls need). */
type RoleRule = Role | ((request: unknown) => Role);

const rank: Readonly<Record<Role, number>> = { read: 0, write: 1, admin: 2 };

/** The larger of two roles. */
export const largerRole = (a: Role, b: Role): Role => (rank[a] >= rank[b] ? a : b);

const batchCallRoles = { put: "write", putWrites: "write", getTuple: "read" } as const satisfies Record<string, Role>;

/** The role a Batch needs: the largest its calls need (each call is one the caller could send alone). */
function batchRole(request: unknown): Role {
  let role: Role = "read";
  for (const call of (request as BatchRequest | undefined)?.calls ?? []) {
    const kind = call.call.case;
    if (kind !== undefined) role = largerRole(role, batchCallRoles[kind]);
  }
  return role;
}

/**
 * The role every CheckpointService method needs, once: a method without an
 * entry is a compile error here and a failing test (method-roles.test.ts). A
 * role includes the ones before it: read < write < admin.
 */
export const methodRoles: Readonly<Record<MethodName, RoleRule>> = {
  getTuple: "read",
  list: "read",
  watch: "read",
  subscribe: "read",
  getThreadStorage: "read",
  put: "write",
  putWrites: "write",
  resume: "write",
  claimResume: "write",
  copyThread: "write",
  acquireLease: "write",
  renewLease: "write",
  releaseLease: "write",
  deleteThread: "admin",
  deleteForRuns: "admin",
  prune: "admin",
  batch: batchRole,
  getThread: "read",
  // A thread's policy decides what of it is deleted (a TTL of 1ms deletes it on the next pass):
  // as much power over the thread's data as Prune, so it takes what Prune takes.
  setRetention: "admin",
  getDeltaChannelHistory: "read",
};

/** The role a call of `method` with `request` needs; undefined for a method with no entry (refused). */
export function requiredRole(method: DescMethod, request: unknown): Role | undefined {
  const rule = (methodRoles as Readonly<Record<string, RoleRule | undefined>>)[method.localName];
  return typeof rule === "function" ? rule(request) : rule;
}

/** The role a message sent on an open Watch stream needs: answering or claiming a resume writes. */
export function watchMessageRole(message: unknown): Role {
  const kind = (message as WatchRequest | undefined)?.kind.case;
  return kind === "resume" || kind === "claim" ? "write" : "read";
}

export const isAdminMethod = (method: DescMethod): boolean => methodRoles[method.localName as MethodName] === "admin";
