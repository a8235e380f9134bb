import { createHash, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Logger } from "pino";
import { watchFile, type FileWatch } from "./watch-file.js";

export interface MetricsTokenOptions {
  /** A file whose content (surrounding whitespace trimmed) is the token. */
  path: string;
  logger: Logger;
}

export interface MetricsToken {
  /** Whether an `authorization` header value carries the token. */
  allows(authorization: string | undefined): boolean;
  close(): void;
}

const digest = (text: string) => createHash("sha256").update(text).digest();

async function readToken(path: string): Promise<Buffer> {
  const token = (await readFile(path, "utf8")).trim();
  if (token === "") throw new Error("the file is empty: write the token scrapes send");
  if (/\s/.test(token)) throw new Error("the token holds whitespace: write one token on one line");
  return digest(token);
}

/**
 * The bearer token Prometheus sends to `/metrics` (its `authorization.credentials_file`).
 * Only the token's SHA-256 is kept, compared in constant time; the file is re-read when
 * it changes, and a change that cannot be read keeps the token in force (logged).
 */
export async function loadMetricsToken(options: MetricsTokenOptions): Promise<MetricsToken> {
  let expected = await readToken(options.path);
  const watch: FileWatch = watchFile(options.path, async () => {
    try {
      expected = await readToken(options.path);
      options.logger.info({ file: options.path }, "metrics token reloaded");
    } catch (error) {
      options.logger.error({ file: options.path, err: (error as Error).message }, "metrics token not reloaded; the previous one stays");
    }
  });
  return {
    allows(authorization) {
      const match = /^bearer (\S+)$/i.exec(authorization ?? "");
      return match !== null && timingSafeEqual(digest(match[1]!), expected);
    },
    close: () => watch.close(),
  };
}
