import { hash } from "node:crypto";
import type { DescMethod } from "@bufbuild/protobuf";
import type { BatchRequest } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { roles as allRoles, type CallIdentity, type Role } from "../domain/call-identity.js";
import { Code, ServiceError } from "../errors/service-error.js";
import type { ApiKeyStore } from "./api-key-store.js";
import type { AuditLog } from "./audit-log.js";
import type { Authenticator, CallScope } from "./authenticator.js";
import type { JwtVerifier } from "./jwt-verifier.js";
import { isAdminMethod, requiredRole, watchMessageRole } from "./method-roles.js";
import { unauthenticated, type Principal } from "./principal.js";
import type { RateLimiter, StreamCap } from "./rate-limiter.js";
import type { CallCredentials } from "./transport-context.js";

export interface CredentialAuthenticatorOptions {
  apiKeys?: ApiKeyStore | undefined;
  jwt?: JwtVerifier | undefined;
  audit: AuditLog;
  limiter?: RateLimiter | undefined;
  /** Requests per second per tenant (a key with its own `rate` has its own bucket); 0: no limit. */
  tenantRate?: number;
  /** Caps each tenant's open Watch/Subscribe streams. */
  streams?: StreamCap | undefined;
}

/** Longer than any key or JWT the server would accept: refused before it is hashed or decoded. */
export const maxTokenLength = 8192;
const bearer = /^bearer ([\x21-\x7e]+)$/i;
const jwtShape = /^[\w-]+\.[\w-]+\.[\w-]*$/;

const pathOf = (method: DescMethod) => `${method.parent.typeName}/${method.name}`;

function denied(method: DescMethod, role: Role, identity: CallIdentity): ServiceError {
  const held = allRoles.filter((r) => identity.roles.has(r)).at(-1);
  return new ServiceError(
    Code.PermissionDenied,
    `${method.name} needs the ${role} role; this credential has ${held === undefined ? "no role" : `the ${held} role`}`,
  );
}

/**
 * API keys and/or JWTs from `authorization: Bearer <token>`, then the method's
 * role (method-roles.ts), then the tenant's or key's rate. Every refusal, and
 * every admin call, is one audit line.
 */
export function createCredentialAuthenticator(options: CredentialAuthenticatorOptions): Authenticator {
  const { apiKeys, jwt, audit, limiter, streams } = options;
  const tenantRate = options.tenantRate ?? 0;

  function principalOf(credentials: CallCredentials): Principal | Promise<Principal> {
    const values = credentials.authorization;
    if (values.length === 0) throw unauthenticated("missing authorization: send `authorization: Bearer <token>`");
    if (values.length > 1)
      throw unauthenticated(`malformed authorization: send one \`authorization: Bearer <token>\`, not ${values.length}`);
    const value = values[0]!;
    if (value.length > maxTokenLength + 7)
      throw unauthenticated(`malformed authorization: a token is at most ${maxTokenLength} characters`);
    const token = bearer.exec(value)?.[1];
    if (token === undefined) throw unauthenticated("malformed authorization: expected `Bearer <token>`");
    // One digest serves both: the keys are found by it and verified JWTs are cached under it.
    const digest = hash("sha256", token, "buffer");
    const hex = digest.toString("hex");
    const key = apiKeys?.lookup(digest, hex);
    if (key !== undefined) return key;
    if (jwt !== undefined && jwtShape.test(token)) return jwt.verify(token, hex);
    throw unauthenticated(apiKeys !== undefined ? "unknown key" : "malformed token: expected a JWT");
  }

  function authorize(principal: Principal, method: DescMethod, request: unknown): CallIdentity {
    const { identity } = principal;
    const role = requiredRole(method, request) ?? "admin";
    if (!identity.roles.has(role)) throw denied(method, role, identity);
    if (limiter !== undefined) {
      const cost = method.localName === "batch" ? Math.max(1, (request as BatchRequest | undefined)?.calls.length ?? 1) : 1;
      if (principal.rate !== undefined) limiter.take(`key\0${identity.subject}`, principal.rate, cost);
      else if (tenantRate > 0) limiter.take(`tenant\0${identity.tenant}`, tenantRate, cost);
    }
    return identity;
  }

  /** Runs `check`, writing an audit line for a refusal it throws. */
  function audited<T>(identity: CallIdentity | undefined, method: string, request: unknown, check: () => T): T {
    try {
      return check();
    } catch (error) {
      audit.denied(identity, method, request, error);
      throw error;
    }
  }

  return {
    authenticate(credentials, method, request) {
      const path = pathOf(method);
      const principal = audited(undefined, path, request, () => principalOf(credentials));
      if (!(principal instanceof Promise)) return audited(principal.identity, path, request, () => authorize(principal, method, request));
      return principal.then(
        (resolved) => audited(resolved.identity, path, request, () => authorize(resolved, method, request)),
        (error: unknown) => {
          audit.denied(undefined, path, request, error);
          throw error;
        },
      );
    },

    track(identity, method, request): CallScope | undefined {
      const path = pathOf(method);
      const streaming = method.methodKind !== "unary";
      const admin = isAdminMethod(method);
      if (!admin && !(streaming && streams !== undefined) && method.methodKind !== "bidi_streaming") return undefined;
      const close = streaming && streams !== undefined ? audited(identity, path, request, () => streams.open(identity.tenant)) : undefined;
      return {
        message:
          method.methodKind === "bidi_streaming"
            ? (message) => {
                const role = watchMessageRole(message);
                if (!identity.roles.has(role))
                  audited(identity, path, message, () => {
                    throw denied(method, role, identity);
                  });
              }
            : undefined,
        end(error) {
          close?.();
          if (admin) audit.admin(identity, path, request, error);
        },
      };
    },

    identify(credentials, path) {
      const principal = audited(undefined, path, undefined, () => principalOf(credentials));
      if (!(principal instanceof Promise)) return principal.identity;
      return principal.then(
        (resolved) => resolved.identity,
        (error: unknown) => {
          audit.denied(undefined, path, undefined, error);
          throw error;
        },
      );
    },
  };
}
