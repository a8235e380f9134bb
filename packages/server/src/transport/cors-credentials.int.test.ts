import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startTestServer, type TestServer } from "@checkpointd/test-support/server";

const getTuplePath = "/checkpointd.v1.CheckpointService/GetTuple";

/**
 * Browsers send ambient credentials (cookies, a client certificate) and show the answer to the
 * calling page only when the server echoes the page's origin with Access-Control-Allow-Credentials.
 * checkpointd never sends that header, and with `--cors-origins '*'` never echoes an origin: a page
 * can call it only with a token it holds itself, in the authorization header.
 */
describe.each([
  ["*", ["*"]],
  ["a list", ["https://inspector.example"]],
])("CORS with --cors-origins %s allows no credentials", (_name, corsOrigins) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("pglite", undefined, { corsOrigins });
  });
  afterAll(async () => {
    await server?.close();
  });

  const origin = corsOrigins[0] === "*" ? "https://any-page.example" : corsOrigins[0]!;
  const allowOrigin = corsOrigins[0] === "*" ? "*" : origin;

  it("preflight: the token header is allowed, credentials are not, a wildcard is not turned into the caller's origin", async () => {
    const answer = await fetch(`http://127.0.0.1:${server.httpPort}${getTuplePath}`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    });
    expect(answer.status).toBe(204);
    expect(answer.headers.get("access-control-allow-origin")).toBe(allowOrigin);
    expect(answer.headers.get("access-control-allow-headers")).toMatch(/\bauthorization\b/);
    // A browser's write carries its lease's token as metadata; a refusal names the holder in metadata.
    expect(answer.headers.get("access-control-allow-headers")).toMatch(/\bx-checkpointd-fencing-token\b/);
    expect(answer.headers.get("access-control-expose-headers")).toMatch(/\bx-checkpointd-lease-holder\b/);
    expect(answer.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("a call with a cookie: answered without Access-Control-Allow-Credentials", async () => {
    const answer = await fetch(`http://127.0.0.1:${server.httpPort}${getTuplePath}`, {
      method: "POST",
      headers: { origin, cookie: "session=1", "content-type": "application/json", "connect-protocol-version": "1" },
      body: JSON.stringify({ config: { threadId: "cors" } }),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("access-control-allow-origin")).toBe(allowOrigin);
    expect(answer.headers.get("access-control-allow-credentials")).toBeNull();
  });
});
