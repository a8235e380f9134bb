import type { Rng } from "./rng.js";

/** What the authorization fuzz starts from: credentials the server accepts, to be broken. */
export interface AuthorizationMaterial {
  /** An API key in the server's keys file. */
  key: string;
  /** A JWT the server accepts. */
  jwt: string;
  /** A JWT with `alg: none`, and one HS256-signed with the public key. */
  unsigned: string;
  hs256: string;
}

export interface HostileAuthorization {
  kind: string;
  /** The `authorization` values sent (several: repeated headers). */
  values: string[];
}

const printable = (rng: Rng, n: number) => Array.from({ length: n }, () => String.fromCharCode(rng.int(0x21, 0x7e))).join("");
const b64url = (rng: Rng, n: number) => rng.bytes(n).toString("base64url");
const unicode = ["é", "日本", "🔑", "\u202e", "\u0000", "\ufeff", "Ω", "ß", "\u00a0", "Ａ"];

/**
 * A credential the server accepts, one character changed (never to itself). Not
 * the last character of a base64url segment: its low bits may be padding, so
 * a change there can decode to the same bytes.
 */
function mutate(rng: Rng, value: string): string {
  let i = rng.int(0, value.length - 2);
  while (i > 0 && value[i + 1] === ".") i--;
  const swap = value[i] === "A" ? "B" : "A";
  return value.slice(0, i) + swap + value.slice(i + 1);
}

function bearerVariant(rng: Rng, token: string): string {
  return rng.pick([
    `bearer  ${token}`,
    `Bearer\t${token}`,
    `Bearer${token}`,
    `Basic ${token}`,
    `Bearer ${token} extra`,
    `Bearer ${token},Bearer ${token}`,
    `${token}`,
    `Bearer "${token}"`,
    `Token ${token}`,
  ]);
}

/** A token the server must refuse: never one it accepts. */
function hostileToken(rng: Rng, m: AuthorizationMaterial): [kind: string, token: string] {
  switch (rng.int(0, 11)) {
    case 0:
      return ["garbage", printable(rng, rng.int(1, 200))];
    case 1:
      return ["huge", printable(rng, rng.int(4_000, 7_000))];
    case 2:
      return ["truncated JWT", m.jwt.slice(0, rng.int(1, m.jwt.length - 1))];
    case 3:
      return ["mutated JWT", mutate(rng, m.jwt)];
    case 4:
      return ["mutated key", mutate(rng, m.key)];
    case 5:
      return ["truncated key", m.key.slice(0, rng.int(0, m.key.length - 1))];
    case 6:
      return ["alg none", rng.chance(0.5) ? m.unsigned : `${m.unsigned}${b64url(rng, 8)}`];
    case 7:
      return ["HS256 with the public key", m.hs256];
    case 8:
      return ["JWT-shaped junk", `${b64url(rng, rng.int(0, 60))}.${b64url(rng, rng.int(0, 300))}.${b64url(rng, rng.int(0, 90))}`];
    case 9: {
      const [header, payload] = m.jwt.split(".");
      return ["JWT with another's signature", `${header}.${payload}.${m.hs256.split(".")[2]}`];
    }
    case 10:
      return ["key in upper case", m.key.toUpperCase() === m.key ? mutate(rng, m.key) : m.key.toUpperCase()];
    default:
      return ["empty", ""];
  }
}

/**
 * One hostile `authorization` (2,000 of them make the fuzz): broken tokens
 * behind a well-formed `Bearer `, malformed schemes, unicode, and repeated
 * headers whose first value is hostile. None is a credential the server may
 * accept.
 */
export function hostileAuthorization(rng: Rng, m: AuthorizationMaterial): HostileAuthorization {
  const [kind, token] = hostileToken(rng, m);
  const roll = rng.int(0, 9);
  if (roll < 5) return { kind, values: [`Bearer ${token}`] };
  if (roll < 7) return { kind: `${kind}, malformed scheme`, values: [bearerVariant(rng, token === "" ? m.key : token)] };
  if (roll < 8) {
    const at = rng.int(0, token.length);
    return { kind: `${kind}, unicode`, values: [`Bearer ${token.slice(0, at)}${rng.pick(unicode)}${token.slice(at)}`] };
  }
  // Repeated headers; the first is hostile (HTTP/2 on Node keeps the first, see connect-server.ts).
  return { kind: `${kind}, repeated`, values: [`Bearer ${token}`, rng.chance(0.5) ? `Bearer ${m.key}` : `Bearer ${m.jwt}`] };
}
