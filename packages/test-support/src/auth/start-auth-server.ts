import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { configureAuth, type AuthSettings } from "@checkpointd/server";
import { pino } from "pino";
import { startTestServer, type TestEngine, type TestServer } from "../server/start-test-server.js";
import { writeKeysFile, type TestApiKey } from "./api-keys.js";
import { startJwtIssuer, type JwtIssuer } from "./jwt-issuer.js";

export type Port = "grpc" | "connect";
export const ports: readonly Port[] = ["grpc", "connect"];

export interface AuthTestServer extends TestServer {
  readonly keysFile: string;
  readonly issuer: JwtIssuer;
  /** A client sending `authorization` (a bare token becomes `Bearer <token>`; a value starting with a space is sent as is, trimmed). */
  clientFor(port: Port, authorization?: string): Client<typeof CheckpointService>;
  /** Every log line the server wrote, parsed. */
  logLines(): Record<string, unknown>[];
  /** Every log line, as written. */
  logText(): string;
}

export interface AuthTestServerOptions extends Partial<Omit<AuthSettings, "host" | "authKeysFile" | "authJwksFile" | "authJwksUrl">> {
  keys: readonly TestApiKey[];
  /** Verify JWTs against the issuer's JWKS file and URL (default true). */
  jwt?: boolean;
}

/** The header a test sends: a token becomes `Bearer <token>`; a value starting with a space is sent as is (trimmed). */
export const authorizationHeader = (value: string) => (value.startsWith(" ") ? value.slice(1) : `Bearer ${value}`);

/** A Connect client's interceptors sending `authorization` (authorizationHeader of `value`) on every call; none for undefined. */
export function withAuthorization(value: string | undefined): Interceptor[] {
  if (value === undefined) return [];
  return [
    (next) => (request) => {
      request.header.set("authorization", authorizationHeader(value));
      return next(request);
    },
  ];
}

/**
 * A real server (startTestServer) with authentication as the `--auth-*`
 * settings configure it: a keys file of `keys` and, unless `jwt: false`, JWTs
 * from a test issuer (its JWKS file and URL). The log is kept for the audit
 * assertions.
 */
export async function startAuthTestServer(engine: TestEngine, options: AuthTestServerOptions): Promise<AuthTestServer> {
  const dir = await mkdtemp(join(tmpdir(), "checkpointd-auth-"));
  const keysFile = join(dir, "keys.yaml");
  await writeKeysFile(keysFile, options.keys);
  const issuer = await startJwtIssuer(dir);
  let log = "";
  const logger = pino({ level: "info" }, { write: (line: string) => void (log += line) });
  const { keys: _keys, jwt = true, ...settings } = options;
  const auth = await configureAuth(
    {
      ...settings,
      host: "127.0.0.1",
      authKeysFile: keysFile,
      ...(jwt
        ? { authJwksFile: issuer.jwksFile, authJwksUrl: issuer.jwksUrl, authIssuer: issuer.issuer, authAudience: issuer.audience }
        : {}),
    },
    logger,
  );
  const server = await startTestServer(engine, undefined, { authenticator: auth.authenticator, publicServices: auth.publicServices });
  const clientFor = (port: Port, authorization?: string) =>
    createClient(
      CheckpointService,
      port === "grpc"
        ? createGrpcTransport({ baseUrl: `http://${server.address}`, interceptors: withAuthorization(authorization) })
        : createConnectTransport({
            baseUrl: `http://127.0.0.1:${server.httpPort}`,
            httpVersion: "2",
            interceptors: withAuthorization(authorization),
          }),
    );
  return {
    ...server,
    keysFile,
    issuer,
    clientFor,
    logText: () => log,
    logLines: () =>
      log
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    async close() {
      await server.close();
      auth.close();
      await issuer.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
