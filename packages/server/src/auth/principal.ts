import { roles as allRoles, type CallIdentity, type Role } from "../domain/call-identity.js";
import { Code, ServiceError } from "../errors/service-error.js";

/** A verified credential: who calls, and the request rate its own bucket allows (undefined: the tenant's). */
export interface Principal {
  readonly identity: CallIdentity;
  /** Requests per second for this credential alone; undefined: it shares its tenant's bucket. */
  readonly rate: number | undefined;
}

/** The roles a granted role implies: each includes the ones before it (read < write < admin). */
export function impliedRoles(granted: Iterable<Role>): ReadonlySet<Role> {
  let top = -1;
  for (const role of granted) top = Math.max(top, allRoles.indexOf(role));
  return new Set(allRoles.slice(0, top + 1));
}

export const isRole = (value: unknown): value is Role => typeof value === "string" && (allRoles as readonly string[]).includes(value);

/** The longest tenant name accepted from a keys file or a token. */
export const maxTenantLength = 128;

/** UNAUTHENTICATED with a reason a person can act on; never the credential itself. */
export const unauthenticated = (reason: string) => new ServiceError(Code.Unauthenticated, reason);
