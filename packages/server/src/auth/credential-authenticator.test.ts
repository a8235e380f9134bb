import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { create } from "@bufbuild/protobuf";
import { BatchRequestSchema, CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { newApiKey, writeKeysFile } from "@checkpointd/test-support/auth";
import { pino } from "pino";
import { Code, ServiceError } from "../errors/service-error.js";
import { createApiKeyStore, type ApiKeyStore } from "./api-key-store.js";
import { createAuditLog } from "./audit-log.js";
import type { Authenticator } from "./authenticator.js";
import { createCredentialAuthenticator } from "./credential-authenticator.js";
import { createRateLimiter } from "./rate-limiter.js";

const first = newApiKey("a1", "a", ["write"]);
const second = newApiKey("a2", "a", ["write"]);
const other = newApiKey("b1", "b", ["write"]);
const own = newApiKey("a-own", "a", ["write"], 50);
let dir: string;
let store: ApiKeyStore;
let authenticator: Authenticator;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "checkpointd-credentials-"));
  await writeKeysFile(join(dir, "keys.json"), [first, second, other, own]);
  const logger = pino({ level: "silent" });
  store = await createApiKeyStore({ path: join(dir, "keys.json"), logger });
  // Time stands still: no bucket refills during the test.
  authenticator = createCredentialAuthenticator({
    apiKeys: store,
    audit: createAuditLog(logger),
    limiter: createRateLimiter({ now: () => 0 }),
    tenantRate: 3,
  });
});
afterAll(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

const getTuple = CheckpointService.method.getTuple;
const call =
  (token: string, method = getTuple, request: unknown = {}) =>
  () =>
    authenticator.authenticate({ authorization: [`Bearer ${token}`], peerCertificate: undefined }, method, request);

function refusal(run: () => unknown): ServiceError {
  try {
    run();
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error("accepted");
}

test("--auth-rate-limit is one bucket per tenant, shared by its keys; a key with its own rate has its own", () => {
  call(first.token)();
  call(second.token)();
  call(first.token)();
  const limited = refusal(call(second.token));
  expect(limited.code).toBe(Code.ResourceExhausted);
  expect(limited.metadata).toEqual({ "retry-after-ms": String(Math.ceil(1000 / 3)) });
  call(other.token)();
  for (let i = 0; i < 10; i++) call(own.token)();
});

test("a Batch takes a token per call", () => {
  const fresh = createCredentialAuthenticator({
    apiKeys: store,
    audit: createAuditLog(pino({ level: "silent" })),
    limiter: createRateLimiter({ now: () => 0 }),
    tenantRate: 3,
  });
  const credentials = { authorization: [`Bearer ${other.token}`], peerCertificate: undefined };
  const batchOf = (n: number) =>
    create(BatchRequestSchema, { calls: Array.from({ length: n }, () => ({ call: { case: "getTuple" as const, value: {} } })) });
  fresh.authenticate(credentials, CheckpointService.method.batch, batchOf(2));
  // One token left: a batch of two is refused, a single call passes.
  expect(refusal(() => fresh.authenticate(credentials, CheckpointService.method.batch, batchOf(2))).code).toBe(Code.ResourceExhausted);
  fresh.authenticate(credentials, getTuple, {});
});
