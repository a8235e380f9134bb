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
