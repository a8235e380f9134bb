import { parse as parseYaml } from "yaml";
import type { Role } from "../domain/call-identity.js";
import { isRole, maxTenantLength } from "./principal.js";

/** One entry of `--auth-keys-file`: a key is known by its SHA-256 only. */
export interface ApiKeyEntry {
  readonly id: string;
  /** Lowercase hex SHA-256 of the key. */
  readonly sha256: string;
  readonly tenant: string;
  readonly roles: readonly Role[];
  /** Requests per second for this key alone (a token bucket as deep as one second's worth). */
  readonly rate: number | undefined;
}

export class KeysFileError extends Error {
  override name = "KeysFileError";
}

const sha256Hex = /^[0-9a-f]{64}$/;

function entryAt(raw: unknown, where: string): ApiKeyEntry {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new KeysFileError(`${where} is not an object`);
  const { id, sha256, tenant, roles, rate, ...rest } = raw as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw new KeysFileError(`${where} has unknown field "${extra[0]}" (id, sha256, tenant, roles, rate)`);
  if (typeof id !== "string" || id === "") throw new KeysFileError(`${where}: id must be a non-empty string`);
  const at = `${where} (id "${id}")`;
  if (typeof sha256 !== "string" || !sha256Hex.test(sha256.toLowerCase())) {
    throw new KeysFileError(`${at}: sha256 must be 64 hex digits (the SHA-256 of the key, e.g. from \`sha256sum\`)`);
  }
  if (typeof tenant !== "string" || tenant === "" || tenant.length > maxTenantLength) {
    throw new KeysFileError(`${at}: tenant must be a non-empty string of at most ${maxTenantLength} characters`);
  }
  if (!Array.isArray(roles) || roles.length === 0 || !roles.every(isRole)) {
    throw new KeysFileError(`${at}: roles must be a non-empty list of read, write, admin`);
  }
  if (rate !== undefined && (typeof rate !== "number" || !Number.isFinite(rate) || rate <= 0)) {
    throw new KeysFileError(`${at}: rate must be a positive number of requests per second`);
  }
  return { id, sha256: sha256.toLowerCase(), tenant, roles, rate };
}

/**
 * The entries of a keys file: JSON or YAML, either a list of entries or
 * `{keys: [...]}`. Ids and hashes are unique. A bad file is a KeysFileError
 * naming the entry and the field, never a value of another field.
 */
export function parseKeysFile(text: string): ApiKeyEntry[] {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new KeysFileError(`not JSON or YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  const list: unknown =
    typeof document === "object" && document !== null && !Array.isArray(document) ? (document as { keys?: unknown }).keys : document;
  if (!Array.isArray(list)) throw new KeysFileError("expected a list of keys, or an object with a `keys` list");
  const entries = list.map((raw, i) => entryAt(raw, `keys[${i}]`));
  const ids = new Set<string>();
  const hashes = new Set<string>();
  for (const entry of entries) {
    if (ids.has(entry.id)) throw new KeysFileError(`id "${entry.id}" appears twice`);
    if (hashes.has(entry.sha256)) throw new KeysFileError(`id "${entry.id}": the same sha256 as another key`);
    ids.add(entry.id);
    hashes.add(entry.sha256);
  }
  return entries;
}
