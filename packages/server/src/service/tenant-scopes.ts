import type { CallIdentity } from "../domain/call-identity.js";
import type { EventHub, TenantEventHub } from "../events/event-hub.js";
import type { Storage, TenantStorage } from "../storage/checkpoint-storage.js";

/** What one call may touch: its tenant's storage and its tenant's threads on the event hub. */
export interface TenantScope {
  readonly storage: Storage;
  readonly hub: TenantEventHub;
}

/** Tenants whose scopes are kept; past this the oldest is dropped (and made again when next used). */
const keptScopes = 10_000;

/**
 * The one boundary between a call and the data: the service reaches storage
 * and the hub only through the scope of the call's identity, so every
 * statement, cache key and bus topic a handler causes is its tenant's, and a
 * new RPC cannot reach data without naming whose. Scopes are views (no
 * resources of their own), made once per tenant and reused.
 */
export function createTenantScopes(storages: TenantStorage, hub: EventHub): (identity: CallIdentity) => TenantScope {
  const scopes = new Map<string, TenantScope>();
  return ({ tenant }) => {
    let scope = scopes.get(tenant);
    if (scope === undefined) {
      if (scopes.size >= keptScopes) scopes.delete(scopes.keys().next().value!);
      scope = { storage: storages.forTenant(tenant), hub: hub.forTenant(tenant) };
      scopes.set(tenant, scope);
    }
    return scope;
  };
}
