import { timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Logger } from "pino";
import { parseKeysFile, type ApiKeyEntry } from "./parse-keys-file.js";
import { impliedRoles, type Principal } from "./principal.js";
import { watchFile } from "./watch-file.js";

export interface ApiKeyStoreOptions {
  /** `--auth-keys-file`. */
  path: string;
  logger: Logger;
  /** The stat fallback of the file watch (default 1000 ms). */
  pollMs?: number;
}

export interface ApiKeyStore {
  /** The key whose SHA-256 is `digest` (a token's, as a buffer and as hex); undefined when none is. */
  lookup(digest: Buffer, hex: string): Principal | undefined;
  /** Reads the file again; a bad file keeps the keys in force and is logged. Resolves whether it took the new keys. */
  reload(): Promise<boolean>;
  close(): void;
}

interface Known {
  readonly digest: Buffer;
  readonly principal: Principal;
}

function index(entries: readonly ApiKeyEntry[]): Map<string, Known> {
  return new Map(
    entries.map((entry) => [
      entry.sha256,
      {
        digest: Buffer.from(entry.sha256, "hex"),
        principal: { identity: { tenant: entry.tenant, subject: entry.id, roles: impliedRoles(entry.roles) }, rate: entry.rate },
      },
    ]),
  );
}

/** Reads and checks the keys file once: a bad one throws (KeysFileError, or the read's error). */
async function load(path: string): Promise<Map<string, Known>> {
  return index(parseKeysFile(await readFile(path, "utf8")));
}

/**
 * The API keys of `--auth-keys-file`, re-read whenever the file changes (and
 * on `reload()`, i.e. SIGHUP) without touching open connections. Only hashes
 * are held: a token is hashed (once, by the caller) and looked up by its digest, which tells an
 * attacker nothing of the stored hashes (SHA-256 has no known preimages), and
 * the match is confirmed with a constant-time comparison.
 */
export async function createApiKeyStore(options: ApiKeyStoreOptions): Promise<ApiKeyStore> {
  const { path, logger } = options;
  let keys = await load(path);
  logger.info({ keys: keys.size, file: path }, "API keys loaded");
  const reload = async (): Promise<boolean> => {
    try {
      const next = await load(path);
      keys = next;
      logger.info({ keys: keys.size, file: path }, "API keys reloaded");
      return true;
    } catch (error) {
      logger.error({ file: path, err: (error as Error).message }, "keys file not reloaded; the keys in force stay");
      return false;
    }
  };
  const watch = watchFile(
    path,
    async () => {
      await reload();
    },
    options.pollMs === undefined ? {} : { pollMs: options.pollMs },
  );
  return {
    lookup(digest, hex) {
      const known = keys.get(hex);
      return known !== undefined && timingSafeEqual(known.digest, digest) ? known.principal : undefined;
    },
    reload,
    close: () => watch.close(),
  };
}
