import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Server } from "node:tls";
import { runCheckpointdVerb, sampleHistory } from "@checkpointd/test-support";
import { startTestServer, type TestServer } from "@checkpointd/test-support/server";

const openssl = (args: string[]) => execFileSync("openssl", args, { stdio: "ignore" });

/** A key and a certificate signed by the CA in dir, for `name`, with the extensions given. */
async function issue(dir: string, name: string, extensions: string): Promise<void> {
  await writeFile(join(dir, `${name}.ext`), `${extensions}\n`);
  openssl([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    join(dir, `${name}.key`),
    "-out",
    join(dir, `${name}.csr`),
    "-subj",
    `/CN=${name}`,
  ]);
  openssl([
    "x509",
    "-req",
    "-in",
    join(dir, `${name}.csr`),
    "-CA",
    join(dir, "ca.pem"),
    "-CAkey",
    join(dir, "ca.key"),
    "-CAcreateserial",
    "-days",
    "1",
    "-out",
    join(dir, `${name}.pem`),
    "-extfile",
    join(dir, `${name}.ext`),
  ]);
}

/**
 * The client TLS flags against a real server behind a TLS terminator that demands a client
 * certificate (mutual TLS) and relays the bytes to the server's plaintext port.
 */
describe("client verbs over TLS", () => {
  let dir: string;
  let server: TestServer;
  let relay: Server;
  let relayPort: number;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "checkpointd-cli-tls-"));
    openssl([
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-keyout",
      join(dir, "ca.key"),
      "-out",
      join(dir, "ca.pem"),
      "-subj",
      "/CN=checkpointd test CA",
    ]);
    await issue(dir, "server", "subjectAltName=IP:127.0.0.1");
    await issue(dir, "client", "extendedKeyUsage=clientAuth");
    server = await startTestServer("pglite");
    for (const step of sampleHistory("tls-thread")) await server.client.put(step.put);
    relay = createServer(
      {
        key: await readFile(join(dir, "server.key")),
        cert: await readFile(join(dir, "server.pem")),
        ca: await readFile(join(dir, "ca.pem")),
        requestCert: true,
        rejectUnauthorized: true,
        ALPNProtocols: ["h2"],
      },
      (socket) => {
        const upstream = connect(server.port, "127.0.0.1");
        for (const s of [socket, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => undefined);
        }
        socket.pipe(upstream).pipe(socket);
      },
    );
    relay.on("tlsClientError", () => undefined);
    await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
    relayPort = (relay.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => (relay === undefined ? resolve() : relay.close(() => resolve())));
    await server?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  test("--tls-ca-file, --tls-cert-file and --tls-key-file reach the server through mutual TLS", async () => {
    const files = [
      "--tls-ca-file",
      join(dir, "ca.pem"),
      "--tls-cert-file",
      join(dir, "client.pem"),
      "--tls-key-file",
      join(dir, "client.key"),
    ];
    const ok = await runCheckpointdVerb(["threads", "--server", `127.0.0.1:${relayPort}`, ...files, "--json"]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).not.toContain("Warning");
    expect(JSON.parse(ok.stdout)).toMatchObject({ threads: [{ thread_id: "tls-thread", checkpoints: 3 }] });
    // The same from the environment, with an https address.
    const env = {
      CHECKPOINTD_TLS_CA_FILE: join(dir, "ca.pem"),
      CHECKPOINTD_TLS_CERT_FILE: join(dir, "client.pem"),
      CHECKPOINTD_TLS_KEY_FILE: join(dir, "client.key"),
    };
    const fromEnv = await runCheckpointdVerb(["history", "tls-thread", "--server", `https://127.0.0.1:${relayPort}`], env);
    expect(fromEnv.code).toBe(0);
    expect(fromEnv.stdout).toContain("1f0a0000-0000-6000-8000-000000000003");
  });

  test("without the CA, or without a client certificate, the call fails with a clear line", async () => {
    const noCa = await runCheckpointdVerb(
      [
        "threads",
        "--server",
        `https://127.0.0.1:${relayPort}`,
        "--tls-cert-file",
        join(dir, "client.pem"),
        "--tls-key-file",
        join(dir, "client.key"),
      ],
      {},
      90_000,
    );
    expect(noCa.code).toBe(1);
    expect(noCa.stderr).toMatch(/^checkpointd threads: the server answered UNAVAILABLE: /);
    const noCert = await runCheckpointdVerb(
      ["threads", "--server", `127.0.0.1:${relayPort}`, "--tls-ca-file", join(dir, "ca.pem")],
      {},
      90_000,
    );
    expect(noCert.code).toBe(1);
    expect(noCert.stderr).toMatch(/^checkpointd threads: the server answered UNAVAILABLE: /);
    const keyOnly = await runCheckpointdVerb(["threads", "--server", `127.0.0.1:${relayPort}`, "--tls-key-file", join(dir, "client.key")]);
    expect(keyOnly.code).toBe(1);
    expect(keyOnly.stderr).toBe("checkpointd threads: --tls-cert-file and --tls-key-file go together\n");
    const unreadable = await runCheckpointdVerb(["threads", "--server", `127.0.0.1:${relayPort}`, "--tls-ca-file", join(dir, "nope.pem")]);
    expect(unreadable.stderr).toMatch(/^checkpointd threads: --tls-ca-file: cannot read .*nope\.pem/);
  }, 120_000);
});
