// Credentials for the authentication suites: API keys and their keys file, JWTs from a test issuer.
export { newApiKey, keysFileEntry, writeKeysFile, type TestApiKey } from "./api-keys.js";
export { startJwtIssuer, type JwtIssuer, type SignOptions, type SigningKey } from "./jwt-issuer.js";
export {
  startAuthTestServer,
  authorizationHeader,
  withAuthorization,
  ports,
  type Port,
  type AuthTestServer,
  type AuthTestServerOptions,
} from "./start-auth-server.js";
