import type { Logger } from "pino";
import { ConfigError } from "../config/config-error.js";
import { settings } from "../config/settings.js";
import { loadTlsMaterial, watchTlsFiles, type TlsFiles, type TlsFilesOptions } from "./tls-files.js";

/** The TLS settings, as the parsed configuration holds them. */
export interface TlsSettings {
  tlsCertFile?: string | undefined;
  tlsKeyFile?: string | undefined;
  tlsClientCaFile?: string | undefined;
}

/** The files to read, or undefined without `--tls-cert-file`. A ConfigError for an incomplete set. */
export function tlsFilesOf(options: TlsSettings): Pick<TlsFilesOptions, "certFile" | "keyFile" | "clientCaFile"> | undefined {
  const { tlsCertFile: certFile, tlsKeyFile: keyFile, tlsClientCaFile: clientCaFile } = options;
  if (certFile === undefined) {
    if (keyFile !== undefined) throw new ConfigError(`${settings.tlsKeyFile.flag}: needs ${settings.tlsCertFile.flag} too`);
    if (clientCaFile !== undefined) {
      throw new ConfigError(
        `${settings.tlsClientCaFile.flag}: needs ${settings.tlsCertFile.flag} and ${settings.tlsKeyFile.flag} (mutual TLS is TLS first)`,
      );
    }
    return undefined;
  }
  if (keyFile === undefined) throw new ConfigError(`${settings.tlsCertFile.flag}: needs ${settings.tlsKeyFile.flag} too`);
  return { certFile, keyFile, clientCaFile };
}

/** Reads and checks the TLS files once: a ConfigError naming the setting when they are unusable. */
export function checkTlsFiles(options: TlsSettings): void {
  const files = tlsFilesOf(options);
  if (files !== undefined) loadTlsMaterial(files);
}

/** Both ports' TLS files, watched and their changes logged; undefined without `--tls-cert-file`. */
export function openTlsFiles(options: TlsSettings, logger: Logger, pollMs?: number): TlsFiles | undefined {
  const files = tlsFilesOf(options);
  if (files === undefined) return undefined;
  const log = logger.child({ component: "tls" });
  return watchTlsFiles({
    ...files,
    ...(pollMs === undefined ? {} : { pollMs }),
    onReload: () => log.info(files, "TLS files changed: new connections use them"),
    onReloadError: (message) => log.error({ reason: message }, "TLS files changed but do not load: connections keep the previous ones"),
  });
}
