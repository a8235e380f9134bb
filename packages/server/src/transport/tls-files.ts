import { statSync, readFileSync } from "node:fs";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { createSecureContext } from "node:tls";
import { ConfigError } from "../config/config-error.js";

/** Where the server's TLS material is read from; flags name the settings in error messages. */
export interface TlsFilesOptions {
  certFile: string;
  keyFile: string;
  /** Set: clients must present a certificate signed by one of these CAs (mutual TLS). */
  clientCaFile?: string | undefined;
  /** How often the files are stat'ed for a change (default 1 000 ms). */
  pollMs?: number;
  /** A changed file that does not load (half written, key and certificate mismatched): the old material stays. */
  onReloadError?: (message: string) => void;
  /** Told after a change was loaded. */
  onReload?: () => void;
}

/** What a secure context is made from: PEM bytes. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/** The server's TLS material, kept current with the files. */
export interface TlsFiles {
  current(): TlsMaterial;
  /** Whether clients must present a verified certificate. */
  readonly requireClientCertificate: boolean;
  /** Called with the new material after every change; returns the unsubscribe function. */
  subscribe(listener: (material: TlsMaterial) => void): () => void;
  /** Stops watching. */
  close(): void;
}

const flags = { cert: "--tls-cert-file", key: "--tls-key-file", ca: "--tls-client-ca-file" } as const;

function readPem(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "is a directory"
            : (code ?? String(error));
    throw new ConfigError(`${flag}: cannot read ${JSON.stringify(file)}: ${reason}`);
  }
}

/**
 * Reads and checks the files: the certificate and the CA bundle parse as X.509, the key as a
 * private key, and the key belongs to the certificate. Every failure is one ConfigError line naming
 * the setting.
 */
export function loadTlsMaterial(options: Pick<TlsFilesOptions, "certFile" | "keyFile" | "clientCaFile">): TlsMaterial {
  const cert = readPem(flags.cert, options.certFile);
  const key = readPem(flags.key, options.keyFile);
  const ca = options.clientCaFile === undefined ? undefined : readPem(flags.ca, options.clientCaFile);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch {
    throw new ConfigError(`${flags.cert}: ${JSON.stringify(options.certFile)} holds no PEM certificate`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new ConfigError(`${flags.key}: ${JSON.stringify(options.keyFile)} holds no PEM private key (an encrypted key is not supported)`);
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new ConfigError(
      `${flags.key}: the key in ${JSON.stringify(options.keyFile)} does not belong to the certificate in ${JSON.stringify(options.certFile)}`,
    );
  }
  if (ca !== undefined) {
    try {
      new X509Certificate(ca);
    } catch {
      throw new ConfigError(`${flags.ca}: ${JSON.stringify(options.clientCaFile)} holds no PEM certificate`);
    }
  }
  try {
    createSecureContext({ cert, key, ...(ca === undefined ? {} : { ca }) });
  } catch (error) {
    throw new ConfigError(`${flags.cert}: cannot make a TLS context: ${(error as Error).message.split("\n")[0]}`);
  }
  return ca === undefined ? { cert, key } : { cert, key, ca };
}

/** What a change is noticed by: a replaced file (new inode), a rewritten one (size, mtime). */
function signature(files: readonly string[]): string {
  return files
    .map((file) => {
      try {
        const s = statSync(file);
        return `${s.ino}:${s.size}:${s.mtimeMs}`;
      } catch {
        return "missing";
      }
    })
    .join("|");
}

/**
 * Loads the TLS files (throwing a ConfigError when they are unusable) and re-reads them whenever
 * one changes. A change that does not load keeps the material before it and is reported once; the
 * next change is tried again. Connections open keep the context they began with.
 */
export function watchTlsFiles(options: TlsFilesOptions): TlsFiles {
  let material = loadTlsMaterial(options);
  const files = [options.certFile, options.keyFile, ...(options.clientCaFile === undefined ? [] : [options.clientCaFile])];
  let seen = signature(files);
  const listeners = new Set<(material: TlsMaterial) => void>();
  const timer = setInterval(() => {
    const now = signature(files);
    if (now === seen) return;
    seen = now;
    try {
      material = loadTlsMaterial(options);
    } catch (error) {
      options.onReloadError?.(error instanceof Error ? error.message : String(error));
      return;
    }
    for (const listener of listeners) listener(material);
    options.onReload?.();
  }, options.pollMs ?? 1_000);
  timer.unref();
  return {
    current: () => material,
    requireClientCertificate: options.clientCaFile !== undefined,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      clearInterval(timer);
      listeners.clear();
    },
  };
}
