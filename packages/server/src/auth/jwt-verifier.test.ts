import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hash } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { startJwtIssuer, type JwtIssuer } from "@checkpointd/test-support/auth";
import { pino } from "pino";
import { createJwtVerifier, type JwtVerifier } from "./jwt-verifier.js";

let dir: string;
let issuer: JwtIssuer;
let jwtVerifier: JwtVerifier;
/** As the credential authenticator calls it: with the token's digest. */
const verifier = { verify: (token: string) => jwtVerifier.verify(token, hash("sha256", token, "hex")) };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "checkpointd-jwt-"));
  issuer = await startJwtIssuer(dir);
  jwtVerifier = await createJwtVerifier({
    jwksFile: issuer.jwksFile,
    issuer: issuer.issuer,
    audience: issuer.audience,
    tenantClaim: "tenant",
    rolesClaim: "roles",
    logger: pino({ level: "silent" }),
    cacheSize: 2,
  });
});
afterAll(async () => {
  jwtVerifier.close();
  await issuer.close();
  await rm(dir, { recursive: true, force: true });
});

test("a token verified once is answered from the cache, synchronously: no signature check", async () => {
  const token = await issuer.sign({ tenant: "acme", roles: ["write"] });
  const first = verifier.verify(token);
  expect(first).toBeInstanceOf(Promise);
  const principal = await first;
  expect(principal.identity).toEqual({ tenant: "acme", subject: "user-1", roles: new Set(["read", "write"]) });
  const again = verifier.verify(token);
  expect(again).not.toBeInstanceOf(Promise);
  expect(again).toBe(principal);
});

test("the cache is bounded: the least recently used token is verified again", async () => {
  const tokens = await Promise.all([1, 2, 3].map((n) => issuer.sign({ tenant: `t${n}`, roles: ["read"] })));
  for (const token of tokens) await verifier.verify(token);
  expect(verifier.verify(tokens[2]!)).not.toBeInstanceOf(Promise);
  expect(verifier.verify(tokens[0]!)).toBeInstanceOf(Promise);
});

test("a refused token is not cached, and is refused again with the same reason", async () => {
  const expired = await issuer.sign({ tenant: "acme", roles: ["read"] }, { expiresIn: -120 });
  for (let i = 0; i < 2; i++) await expect(verifier.verify(expired)).rejects.toMatchObject({ message: "token expired" });
  const noRolesClaim = await issuer.sign({ tenant: "acme" });
  await expect(verifier.verify(noRolesClaim)).rejects.toMatchObject({ message: 'token has no "roles" claim (a list of roles)' });
  const unknownRoles = await verifier.verify(await issuer.sign({ tenant: "acme", roles: ["root"] }));
  expect(unknownRoles.identity.roles.size).toBe(0);
});
