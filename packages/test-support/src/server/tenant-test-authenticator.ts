import { roles, unauthenticatedIdentity, type Authenticator, type CallIdentity, type Role } from "@checkpointd/server";

const prefix = "Bearer tenant-";

/** The `authorization` value that createTenantTestAuthenticator maps to `tenant`. */
export const tenantAuthorization = (tenant: string): string => `${prefix}${tenant}`;

/**
 * For tests of tenant isolation, not of authentication: `authorization:
 * Bearer tenant-<x>` is tenant x with every role; a call without such a value
 * is the default tenant, as with authentication off.
 */
export function createTenantTestAuthenticator(): Authenticator {
  const identities = new Map<string, CallIdentity>();
  return {
    authenticate(credentials) {
      const value = credentials.authorization.find((v) => v.startsWith(prefix));
      if (value === undefined) return unauthenticatedIdentity;
      const tenant = value.slice(prefix.length);
      let identity = identities.get(tenant);
      if (identity === undefined) {
        identity = { tenant, subject: `test-${tenant}`, roles: new Set<Role>(roles) };
        identities.set(tenant, identity);
      }
      return identity;
    },
  };
}
