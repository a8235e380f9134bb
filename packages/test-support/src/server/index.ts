export {
  createTestDatabase,
  openTestDatabase,
  startTestServer,
  testEngines,
  type TestEngine,
  type TestServer,
  type TestServerOptions,
} from "./start-test-server.js";
export { configRejection } from "./config-rejection.js";
export { createTenantTestAuthenticator, tenantAuthorization } from "./tenant-test-authenticator.js";
export { createTenantKeyAuthenticator, type TenantKeyAuthenticator } from "./tenant-key-authenticator.js";
export {
  batchProbes,
  isolationPorts,
  normalize,
  ownerIdempotencyKey,
  probeMetadata,
  rpcProbes,
  seedThread,
  tenantClient,
  watchRequestKinds,
  type CheckpointClient,
  type IsolationPort,
  type SeededThread,
} from "./isolation-probes.js";
