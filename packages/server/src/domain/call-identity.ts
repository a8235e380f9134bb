/** What a call may do, each role including the ones before it. */
export type Role = "read" | "write" | "admin";

export const roles: readonly Role[] = ["read", "write", "admin"];

/**
 * Who makes a call, as established by the authentication layer before the
 * service sees the call. Every thread belongs to exactly one tenant; the
 * service scopes every read and write to `tenant`.
 */
export interface CallIdentity {
  readonly tenant: string;
  /** A key id, a JWT subject or a certificate name: for the audit log, never a secret. */
  readonly subject: string;
  readonly roles: ReadonlySet<Role>;
}

/** The tenant of data written without authentication, and of every call when authentication is off. */
export const DEFAULT_TENANT = "default";

/** The identity of every call when authentication is off: the default tenant, every role. */
export const unauthenticatedIdentity: CallIdentity = Object.freeze({
  tenant: DEFAULT_TENANT,
  subject: "anonymous",
  roles: new Set<Role>(roles),
});
