import { createHash, randomBytes } from "node:crypto";
import { rename, writeFile } from "node:fs/promises";
import type { Role } from "@checkpointd/server";
import { stringify as toYaml } from "yaml";

/** An API key made by a test: the token a client sends, and what the keys file says of it. */
export interface TestApiKey {
  readonly id: string;
  readonly token: string;
  readonly tenant: string;
  readonly roles: readonly Role[];
  readonly rate?: number;
}

/** A new random key, as `openssl rand -hex 32` makes one. */
export function newApiKey(id: string, tenant: string, roles: readonly Role[], rate?: number): TestApiKey {
  return { id, token: randomBytes(32).toString("hex"), tenant, roles, ...(rate === undefined ? {} : { rate }) };
}

/** The keys file entry of a key: its SHA-256, never the key. */
export const keysFileEntry = (key: TestApiKey) => ({
  id: key.id,
  sha256: createHash("sha256").update(key.token).digest("hex"),
  tenant: key.tenant,
  roles: [...key.roles],
  ...(key.rate === undefined ? {} : { rate: key.rate }),
});

/** Writes `keys` to `path` (JSON, or YAML when it ends in .yaml/.yml) atomically, by rename, as a deployment would. */
export async function writeKeysFile(path: string, keys: readonly TestApiKey[]): Promise<void> {
  const entries = { keys: keys.map(keysFileEntry) };
  const text = /\.ya?ml$/.test(path) ? toYaml(entries) : JSON.stringify(entries, null, 2);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}
