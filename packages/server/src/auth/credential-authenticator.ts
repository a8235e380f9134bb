import { hash } from "node:crypto";
import type { DescMethod } from "@bufbuild/protobuf";
import type { BatchRequest } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { settings } from "../config/settings.js";
import { roles as allRoles, type CallIdentity, type Role } from "../domain/call-identity.js";
import { Code, ServiceError } from "../errors/service-error.js";
import type { ApiKeyStore } from "./api-key-store.js";
import type { AuditLog } from "./audit-log.js";
import type { Authenticator, CallScope } from "./authenticator.js";
import type { JwtVerifier } from "./jwt-verifier.js";
import { isAdminMethod, requiredRole, watchMessageRole } from "./method-roles.js";
import { impliedRoles, unauthenticated, type Principal } from "./principal.js";
import type { RateLimiter, StreamCap } from "./rate-limiter.js";
import type { CallCredentials } from "./transport-context.js";
import { tenantFromCertificate, type CertificateTenantSource } from "./tenant-from-certificate.js";

/** Mutual TLS: which name of a verified client certificate is the tenant, and what the certificate alone may do. */
export interface CertificateIdentityOptions {
  tenantFrom: CertificateTenantSource;
  /** The role of a call that has a certificate and no bearer token (each role includes the ones before it). */
  role: Role;
}

export interface CredentialAuthenticatorOptions {
  apiKeys?: ApiKeyStore | undefined;
  jwt?: JwtVerifier | undefined;
  audit: AuditLog;
  limiter?: RateLimiter | undefined;
  /** Requests per second per tenant (a key with its own `rate` has its own bucket); 0: no limit. */
  tenantRate?: number;
  /** Caps each tenant's open Watch/Subscribe streams. */
  streams?: StreamCap | undefined;
  /** Set under mutual TLS: a verified client certificate names the tenant of the calls made over it. */
  certificates?: CertificateIdentityOptions | undefined;
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
 * API keys and/or JWTs from `authorization: Bearer <token>`, or under mutual
 * TLS the client certificate, then the method's role (method-roles.ts), then
 * the tenant's or key's rate. Every refusal, and every admin call, is one
 * audit line.
 *
 * With a certificate, its name is the tenant: a call without a token gets the
 * certificate's role; a call with a token gets the token's roles, and the
 * token must be for the same tenant (a certificate of tenant A carrying a
 * token of tenant B is refused), so neither credential widens the other. On a
 * server with neither keys nor JWKS a token is not checked: the certificate decides.
 */
export function createCredentialAuthenticator(options: CredentialAuthenticatorOptions): Authenticator {
  const { apiKeys, jwt, audit, limiter, streams, certificates } = options;
  const tenantRate = options.tenantRate ?? 0;
  const certificateRoles = certificates === undefined ? undefined : impliedRoles([certificates.role]);

  /** The tenant a call's verified certificate names; undefined without mutual TLS or a certificate. */
  function certificateTenant(credentials: CallCredentials): string | undefined {
    if (certificates === undefined || credentials.peerCertificate === undefined) return undefined;
    const named = tenantFromCertificate(credentials.peerCertificate, certificates.tenantFrom);
    if (!named.ok)
      throw unauthenticated(`${named.reason}: it names no tenant (${settings.authCertTenantFrom.flag} ${certificates.tenantFrom})`);
    return named.tenant;
  }

  function sameTenant(principal: Principal, tenant: string | undefined): Principal {
    if (tenant !== undefined && principal.identity.tenant !== tenant) {
      throw new ServiceError(
        Code.PermissionDenied,
        "the bearer token is for another tenant than the client certificate: use a token of the certificate's tenant, or none",
      );
    }
    return principal;
  }

  function principalOf(credentials: CallCredentials): Principal | Promise<Principal> {
    const tenant = certificateTenant(credentials);
    const principal = tokenPrincipal(credentials, tenant);
    return principal instanceof Promise ? principal.then((p) => sameTenant(p, tenant)) : sameTenant(principal, tenant);
  }

  function tokenPrincipal(credentials: CallCredentials, certificateTenant: string | undefined): Principal | Promise<Principal> {
    const values = credentials.authorization;
    // A server with neither keys nor JWKS knows clients by their certificate only: a token is not checked.
    const tokensChecked = apiKeys !== undefined || jwt !== undefined;
    if ((values.length === 0 || !tokensChecked) && certificateTenant !== undefined) {
      return {
        identity: { tenant: certificateTenant, subject: `certificate:${certificateTenant}`, roles: certificateRoles! },
        rate: undefined,
      };
    }
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
