import { readFile } from "node:fs/promises";
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { LRUCache } from "lru-cache";
import type { Logger } from "pino";
import type { Role } from "../domain/call-identity.js";
import { Code, ServiceError } from "../errors/service-error.js";
import { impliedRoles, isRole, maxTenantLength, unauthenticated, type Principal } from "./principal.js";
import { watchFile, type FileWatch } from "./watch-file.js";

export interface JwtVerifierOptions {
  /** `--auth-jwks-file`: a JWKS on disk, re-read when it changes. */
  jwksFile?: string | undefined;
  /** `--auth-jwks-url`: fetched on first use, cached, fetched again for an unknown `kid` (at most every 30 s) and every 10 min. */
  jwksUrl?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
  tenantClaim: string;
  rolesClaim: string;
  logger: Logger;
  /** Verified tokens held (default 10,000). */
  cacheSize?: number;
}

export interface JwtVerifier {
  /**
   * The token's principal; throws UNAUTHENTICATED with the reason. `digest` is the token's SHA-256 (hex), its key in
   * the cache: a token verified before costs no signature check.
   */
  verify(token: string, digest: string): Principal | Promise<Principal>;
  close(): void;
}

/** Asymmetric algorithms only: no `none`, and no HS* (whose "secret" would be the public key). */
export const acceptedAlgorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];
/** Clock skew allowed on `exp` and `nbf`. */
export const clockToleranceSeconds = 30;
/** A token without `exp` is held this long before it is verified again. */
const maxCachedMs = 5 * 60_000;

async function readJwks(path: string): Promise<JWTVerifyGetKey> {
  const jwks = JSON.parse(await readFile(path, "utf8")) as JSONWebKeySet;
  if (!Array.isArray(jwks.keys)) throw new Error("not a JWKS (no `keys` list)");
  return createLocalJWKSet(jwks);
}

/** A reason a person can act on, for each way jose refuses a token. */
function refusal(error: unknown): ServiceError {
  if (error instanceof ServiceError) return error;
  if (error instanceof errors.JWTExpired) return unauthenticated("token expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "nbf") return unauthenticated("token not yet valid");
    if (error.claim === "iss") return unauthenticated("issuer not accepted");
    if (error.claim === "aud") return unauthenticated("audience not accepted");
    return unauthenticated(`token claim "${error.claim}" not accepted`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return unauthenticated("token algorithm not accepted (RS*, PS*, ES* or EdDSA)");
  if (error instanceof errors.JWKSNoMatchingKey) return unauthenticated("token signed by a key the server does not know");
  if (error instanceof errors.JWSSignatureVerificationFailed) return unauthenticated("token signature not valid");
  return unauthenticated("malformed token");
}

function principalOf(payload: JWTPayload, tenantClaim: string, rolesClaim: string): Principal {
  const tenant = payload[tenantClaim];
  if (typeof tenant !== "string" || tenant === "" || tenant.length > maxTenantLength) {
    throw unauthenticated(`token has no "${tenantClaim}" claim (a tenant name)`);
  }
  const raw = payload[rolesClaim];
  if (typeof raw !== "string" && !Array.isArray(raw)) throw unauthenticated(`token has no "${rolesClaim}" claim (a list of roles)`);
  // Names other than read, write and admin grant nothing: such a token is authenticated and may do nothing.
  const granted = (typeof raw === "string" ? raw.split(" ") : (raw as unknown[])).filter(isRole) as Role[];
  const subject = typeof payload.sub === "string" && payload.sub !== "" ? payload.sub.slice(0, 200) : "jwt";
  return { identity: { tenant, subject, roles: impliedRoles(granted) }, rate: undefined };
}

/** JWTs verified with jose against a JWKS file and/or URL; verified tokens are cached by hash until they expire. */
export async function createJwtVerifier(options: JwtVerifierOptions): Promise<JwtVerifier> {
  const { jwksFile, jwksUrl, logger } = options;
  let local = jwksFile === undefined ? undefined : await readJwks(jwksFile);
  const watch: FileWatch | undefined =
    jwksFile === undefined
      ? undefined
      : watchFile(jwksFile, async () => {
          try {
            local = await readJwks(jwksFile);
            logger.info({ file: jwksFile }, "JWKS reloaded");
          } catch (error) {
            logger.error({ file: jwksFile, err: (error as Error).message }, "JWKS file not reloaded; the keys in force stay");
          }
        });
  const remote =
    jwksUrl === undefined
      ? undefined
      : createRemoteJWKSet(new URL(jwksUrl), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000, timeoutDuration: 5_000 });
  const fetchRemote: JWTVerifyGetKey | undefined =
    remote === undefined
      ? undefined
      : async (header, token) => {
          try {
            return await remote(header, token);
          } catch (error) {
            if (error instanceof errors.JOSEError && !(error instanceof errors.JWKSTimeout) && !(error instanceof errors.JWKSInvalid))
              throw error;
            logger.error({ url: jwksUrl, err: (error as Error).message }, "JWKS not fetched");
            throw new ServiceError(Code.Unavailable, "cannot verify tokens now: the server could not fetch its JWKS; retry");
          }
        };
  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (local !== undefined) {
      try {
        return await local(header, token);
      } catch (error) {
        if (fetchRemote === undefined || !(error instanceof errors.JWKSNoMatchingKey)) throw error;
      }
    }
    return fetchRemote!(header, token);
  };
  const verifyOptions = {
    algorithms: acceptedAlgorithms,
    clockTolerance: clockToleranceSeconds,
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.audience === undefined ? {} : { audience: options.audience }),
  };
  const cache = new LRUCache<string, Principal>({ max: options.cacheSize ?? 10_000 });

  const verifyAndCache = async (token: string, key: string): Promise<Principal> => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, getKey, verifyOptions));
    } catch (error) {
      throw refusal(error);
    }
    const principal = principalOf(payload, options.tenantClaim, options.rolesClaim);
    const ttl = payload.exp === undefined ? maxCachedMs : Math.min(maxCachedMs, payload.exp * 1000 - Date.now());
    if (ttl > 0) cache.set(key, principal, { ttl });
    return principal;
  };
  return {
    verify(token, digest) {
      return cache.get(digest) ?? verifyAndCache(token, digest);
    },
    close: () => watch?.close(),
  };
}
