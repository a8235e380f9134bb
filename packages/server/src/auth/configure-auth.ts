import type { Logger } from "pino";
import { ConfigError } from "../config/config-error.js";
import { settingDefaults } from "../config/setting-defaults.js";
import { settings, type SettingsValues } from "../config/settings.js";
import type { ApiKeyStore } from "./api-key-store.js";
import { createAuditLog } from "./audit-log.js";
import { createOpenAuthenticator, type Authenticator } from "./authenticator.js";
import { createCredentialAuthenticator } from "./credential-authenticator.js";
import type { JwtVerifier } from "./jwt-verifier.js";
import { isPublicService } from "./public-services.js";
import { createRateLimiter, createStreamCap } from "./rate-limiter.js";

export type AuthSettings = Pick<
  SettingsValues,
  | "host"
  | "authKeysFile"
  | "authJwksFile"
  | "authJwksUrl"
  | "authIssuer"
  | "authAudience"
  | "authTenantClaim"
  | "authRolesClaim"
  | "authPublicServices"
  | "authRateLimit"
  | "authMaxStreams"
  | "insecureNoAuth"
  | "tlsClientCaFile"
  | "authCertTenantFrom"
  | "authCertRole"
>;

export interface ConfiguredAuth {
  authenticator: Authenticator;
  /** Whether calls must authenticate (false: every call is the default tenant with every role). */
  enabled: boolean;
  /** Services (or packages) served without credentials. */
  publicServices: readonly string[];
  /** Re-reads the keys file (SIGHUP); a bad file keeps the keys in force. */
  reload(): Promise<void>;
  close(): void;
}

/** 127.0.0.0/8, ::1 and localhost: only this machine reaches them. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^127(\.\d{1,3}){3}$/.test(bare) || bare === "::ffff:127.0.0.1";
}

const checkpointService = "checkpointd.v1.CheckpointService";

/**
 * The authentication the settings ask for. None configured: off, which a
 * non-loopback `--host` refuses without `--insecure-no-auth` (secure by
 * default). A keys or JWKS file that cannot be read or is malformed is a
 * ConfigError naming the setting, in one line.
 */
export async function configureAuth(options: Partial<AuthSettings>, logger: Logger): Promise<ConfiguredAuth> {
  const o = { ...settingDefaults, ...options };
  // Mutual TLS authenticates too: a verified client certificate names its tenant.
  const mutualTls = o.tlsClientCaFile !== undefined;
  const enabled = o.authKeysFile !== undefined || o.authJwksFile !== undefined || o.authJwksUrl !== undefined || mutualTls;
  for (const entry of o.authPublicServices) {
    if (isPublicService(checkpointService, [entry])) {
      throw new ConfigError(
        `${settings.authPublicServices.flag}: ${checkpointService} always needs credentials, "${entry}" cannot be public`,
      );
    }
  }
  if (!enabled) {
    if (!isLoopback(o.host) && !o.insecureNoAuth) {
      throw new ConfigError(
        `${settings.host.flag}: ${o.host} is not loopback and no authentication is configured: set ${settings.authKeysFile.flag} (or ${settings.authJwksFile.flag}/${settings.authJwksUrl.flag}; see docs/operations.md), or pass ${settings.insecureNoAuth.flag}`,
      );
    }
    if (!isLoopback(o.host)) {
      logger.warn(
        { host: o.host },
        `${settings.insecureNoAuth.flag}: serving without authentication; anyone who reaches the port can read, change and delete every thread`,
      );
    }
    return {
      authenticator: createOpenAuthenticator(),
      enabled: false,
      publicServices: o.authPublicServices,
      reload: () => Promise.resolve(),
      close: () => undefined,
    };
  }
  let apiKeys: ApiKeyStore | undefined;
  let jwt: JwtVerifier | undefined;
  try {
    if (o.authKeysFile !== undefined) {
      try {
        // Loaded only when configured (as jose below): a server without authentication starts as fast as before.
        const { createApiKeyStore } = await import("./api-key-store.js");
        apiKeys = await createApiKeyStore({ path: o.authKeysFile, logger });
      } catch (error) {
        throw new ConfigError(`${settings.authKeysFile.flag}: ${o.authKeysFile}: ${(error as Error).message}`);
      }
    }
    if (o.authJwksFile !== undefined || o.authJwksUrl !== undefined) {
      try {
        const { createJwtVerifier } = await import("./jwt-verifier.js");
        jwt = await createJwtVerifier({
          jwksFile: o.authJwksFile,
          jwksUrl: o.authJwksUrl,
          issuer: o.authIssuer === "" ? undefined : o.authIssuer,
          audience: o.authAudience === "" ? undefined : o.authAudience,
          tenantClaim: o.authTenantClaim,
          rolesClaim: o.authRolesClaim,
          logger,
        });
      } catch (error) {
        throw new ConfigError(`${settings.authJwksFile.flag}: ${o.authJwksFile}: ${(error as Error).message}`);
      }
    }
  } catch (error) {
    apiKeys?.close();
    throw error;
  }
  const authenticator = createCredentialAuthenticator({
    apiKeys,
    jwt,
    audit: createAuditLog(logger.child({ component: "audit" })),
    limiter: createRateLimiter(),
    tenantRate: o.authRateLimit,
    streams: o.authMaxStreams > 0 ? createStreamCap(o.authMaxStreams) : undefined,
    certificates: mutualTls ? { tenantFrom: o.authCertTenantFrom, role: o.authCertRole } : undefined,
  });
  logger.info(
    {
      apiKeys: apiKeys !== undefined,
      jwt: jwt !== undefined,
      certificates: mutualTls ? `tenant from ${o.authCertTenantFrom}, ${o.authCertRole} without a token` : false,
      publicServices: o.authPublicServices,
    },
    "authentication on",
  );
  return {
    authenticator,
    enabled: true,
    publicServices: o.authPublicServices,
    reload: async () => {
      await apiKeys?.reload();
    },
    close() {
      apiKeys?.close();
      jwt?.close();
    },
  };
}
