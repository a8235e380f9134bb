import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { Code, ConnectError } from "@connectrpc/connect";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { newApiKey, ports, startAuthTestServer, type AuthTestServer, type Port } from "@checkpointd/test-support/auth";
import { openWatch, waitUntil } from "@checkpointd/test-support";
import { refusalOf } from "@checkpointd/test-support";
import { testEngines } from "@checkpointd/test-support/server";
import type { Role } from "../domain/call-identity.js";
import { methodRoles } from "./method-roles.js";

type Client = ReturnType<AuthTestServer["clientFor"]>;

/** Calls `method` with a request that decodes (the role is checked before the request is). */
async function call(client: Client, method: keyof typeof methodRoles): Promise<void> {
  const batchOfPut = { calls: [{ call: { case: "put" as const, value: {} } }] };
  switch (method) {
    case "list":
      for await (const _ of client.list({})) break;
      return;
    case "subscribe":
      for await (const _ of client.subscribe({ threadId: "t" })) break;
      return;
    case "watch": {
      const watch = openWatch(client);
      try {
        watch.send({ kind: { case: "subscribe", value: { threadId: "t" } } });
        await watch.next();
      } finally {
        watch.close();
      }
      return;
    }
    case "batch":
      await client.batch(batchOfPut);
      return;
    default:
      await (client[method] as (request: object) => Promise<unknown>)({});
  }
}

const smaller: Record<Role, Role | "none"> = { read: "none", write: "read", admin: "write" };
const batchRole = "write";

describe.each(testEngines)("roles over the wire (%s)", (engine) => {
  const reader = newApiKey("reader", "acme", ["read"]);
  const writer = newApiKey("writer", "acme", ["write"]);
  const admin = newApiKey("admin", "acme", ["admin"]);
  let server: AuthTestServer;
  let noRole: string;

  beforeAll(async () => {
    server = await startAuthTestServer(engine, { keys: [reader, writer, admin] });
    noRole = await server.issuer.sign({ tenant: "acme", roles: ["reviewer"] });
  });
  afterAll(() => server.close());

  const tokenOf = (role: Role | "none") =>
    role === "none" ? noRole : role === "read" ? reader.token : role === "write" ? writer.token : admin.token;

  const cases = CheckpointService.methods.flatMap((method) =>
    ports.map((port) => {
      const rule = methodRoles[method.localName as keyof typeof methodRoles];
      const needed = typeof rule === "function" ? batchRole : rule;
      return { method: method.localName as keyof typeof methodRoles, name: method.name, port, needed };
    }),
  );

  test.each(cases)(
    "$name with a role below $needed is PERMISSION_DENIED naming $needed ($port port)",
    async ({ method, name, port, needed }) => {
      const error = await refusalOf(call(server.clientFor(port, tokenOf(smaller[needed])), method));
      expect(error.code).toBe(Code.PermissionDenied);
      expect(error.rawMessage).toBe(
        `${name} needs the ${needed} role; this credential has ${smaller[needed] === "none" ? "no role" : `the ${smaller[needed]} role`}`,
      );
    },
  );

  test.each(ports)("each role does what it needs, and what the roles below it may (%s port)", async (port: Port) => {
    const asReader = server.clientFor(port, reader.token);
    expect((await asReader.getTuple({ config: { threadId: "t" } })).tuple).toBeUndefined();
    await asReader.batch({ calls: [{ call: { case: "getTuple", value: { config: { threadId: "t" } } } }] });
    const asAdmin = server.clientFor(port, admin.token);
    await asAdmin.getTuple({ config: { threadId: "t" } });
    await asAdmin.deleteThread({ threadId: "t" });
    await asAdmin.prune({ threadIds: ["t"] });
    const asWriter = server.clientFor(port, writer.token);
    const resumed = await asWriter.resume({ threadId: "t", values: { i: { type: "json", data: new TextEncoder().encode("1") } } });
    expect(resumed.resumeId).not.toBe("");
  });

  test.each(ports)(
    "a Batch needs the largest role of its calls: a reader's batch with one put is refused whole (%s port)",
    async (port: Port) => {
      const error = await refusalOf(
        server.clientFor(port, reader.token).batch({
          calls: [{ call: { case: "getTuple", value: { config: { threadId: "t" } } } }, { call: { case: "put", value: {} } }],
        }),
      );
      expect(error.code).toBe(Code.PermissionDenied);
      expect(error.rawMessage).toMatch(/^Batch needs the write role/);
    },
  );

  test.each(ports)("a reader may watch but not resume or claim on the Watch stream (%s port)", async (port: Port) => {
    for (const kind of ["resume", "claim"] as const) {
      const watch = openWatch(server.clientFor(port, reader.token));
      watch.send({ kind: { case: "subscribe", value: { threadId: "w" } } });
      watch.send(
        kind === "resume"
          ? { kind: { case: "resume", value: { threadId: "w", values: {} } } }
          : { kind: { case: "claim", value: { threadId: "w" } } },
      );
      const error = await refusalOf(
        (async () => {
          for (;;) await watch.next();
        })(),
      );
      watch.close();
      expect(error.code).toBe(Code.PermissionDenied);
      expect(error.rawMessage).toBe("Watch needs the write role; this credential has the read role");
    }
  });

  test("every refusal and every admin call is one audit line with no token and no value", async () => {
    await waitUntil(
      "the audit lines",
      async () => {
        const audit = server.logLines().filter((line) => line.audit === true);
        const deniedPut = audit.find((line) => line.method === "checkpointd.v1.CheckpointService/Put" && line.code === "PERMISSION_DENIED");
        expect(deniedPut).toMatchObject({ tenant: "acme", subject: "reader", msg: "call denied" });
        const deleted = audit.find((line) => line.method === "checkpointd.v1.CheckpointService/DeleteThread" && line.code === "OK");
        expect(deleted).toMatchObject({ tenant: "acme", subject: "admin", thread: "t", msg: "admin call" });
        const pruned = audit.find((line) => line.method === "checkpointd.v1.CheckpointService/Prune" && line.code === "OK");
        expect(pruned).toMatchObject({ subject: "admin", threads: ["t"] });
        expect(audit.find((line) => line.subject === "user-1" && line.code === "PERMISSION_DENIED")).toBeDefined();
      },
      { timeoutMs: 5_000 },
    );
    const text = server.logText();
    for (const secret of [reader.token, writer.token, admin.token, noRole]) expect(text).not.toContain(secret);
    // The resume's value (the JSON "1", base64 "MQ==") is not logged either.
    expect(text).not.toContain("MQ==");
  });
});
