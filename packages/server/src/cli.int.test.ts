import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, test } from "@jest/globals";
import { equals, toJson } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CheckpointTupleSchema, type CheckpointTuple } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";
import pg from "pg";
import { createDatabase, freePort, sampleHistory, waitUntil } from "@checkpointd/test-support";

/** The built CLI: `pnpm test` runs `pnpm run build` before jest. */
const cliPath = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const protoRoot = fileURLToPath(new URL("../../../proto", import.meta.url));

/** How long a process may take to exit on its own (bad configuration, SIGTERM). */
const EXIT_WITHIN_MS = 15_000;
const READY_WITHIN_MS = 30_000;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Cli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
}

const running = new Set<ChildProcess>();
const tempDirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "checkpointd-cli-"));
  tempDirs.push(dir);
  return dir;
}

/**
 * Runs `node dist/cli.js ...args` in `cwd` with only PATH and `env` in its environment
 * (no DATABASE_URL, PORT, NODE_OPTIONS... from the test runner's).
 */
function startCli(args: readonly string[], cwd: string, env: Record<string, string> = {}): Cli {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", METRICS_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Exit>((resolve) =>
    // "close": the process exited and its stdio is fully read.
    child.once("close", (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Waits for the exit; SIGKILLs and fails when it takes longer than `withinMs`. */
async function exitOf(cli: Cli, withinMs = EXIT_WITHIN_MS): Promise<Exit & { ms: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), withinMs)));
  const result = await Promise.race([cli.exited, timedOut]);
  clearTimeout(timer);
  if (result === "timeout") {
    cli.child.kill("SIGKILL");
    await cli.exited;
    throw new Error(`checkpointd did not exit within ${withinMs} ms\n--- stdout ---\n${cli.stdout()}\n--- stderr ---\n${cli.stderr()}`);
  }
  return { ...result, ms: Date.now() - started };
}

/** Runs the CLI to completion (bounded). */
async function runCli(args: readonly string[], cwd: string, env: Record<string, string> = {}) {
  const cli = startCli(args, cwd, env);
  const exit = await exitOf(cli);
  return { ...exit, stdout: cli.stdout(), stderr: cli.stderr() };
}

function connectClient(port: number): Client<typeof CheckpointService> {
  return createClient(CheckpointService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
}

/** Polls with a real call until the server answers, failing at once if the process exits. */
async function waitReady(cli: Cli, port: number): Promise<void> {
  const client = connectClient(port);
  await waitUntil(
    `checkpointd on 127.0.0.1:${port}`,
    async () => void (await client.getTuple({ config: { threadId: "ready?" } }, { timeoutMs: 2_000 })),
    {
      timeoutMs: READY_WITHIN_MS,
      fatal: () =>
        cli.child.exitCode !== null || cli.child.signalCode !== null
          ? `exited (${cli.child.exitCode ?? cli.child.signalCode}) before it was ready\n--- stdout ---\n${cli.stdout()}\n--- stderr ---\n${cli.stderr()}`
          : undefined,
    },
  );
}

/** SIGTERM, then expect a clean exit 0 within the bound. */
async function terminate(cli: Cli): Promise<void> {
  cli.child.kill("SIGTERM");
  const exit = await exitOf(cli);
  expect({ code: exit.code, signal: exit.signal, stderr: cli.stderr() }).toEqual({ code: 0, signal: null, stderr: "" });
  expect(exit.ms).toBeLessThan(EXIT_WITHIN_MS);
}

function expectTuple(actual: CheckpointTuple | undefined, expected: CheckpointTuple) {
  expect(actual).toBeDefined();
  if (!equals(CheckpointTupleSchema, actual!, expected)) {
    expect(toJson(CheckpointTupleSchema, actual!)).toEqual(toJson(CheckpointTupleSchema, expected));
  }
  expect(equals(CheckpointTupleSchema, actual!, expected)).toBe(true);
}

afterEach(async () => {
  // A failed test must not leave a server behind.
  const left = [...running];
  for (const child of left) child.kill("SIGKILL");
  await Promise.all(
    left.map(
      (child) =>
        new Promise((resolve) =>
          child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once("close", resolve),
        ),
    ),
  );
});

afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

// ---------------------------------------------------------------------------------------------
// A plain grpc-js client, built at run time from the .proto files: what a worker in any
// language does, with no generated TypeScript in the way.

const packageDefinition = protoLoader.loadSync(["checkpointd/v1/checkpoint_service.proto"], {
  includeDirs: [protoRoot],
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
type Callback<T> = (error: grpc.ServiceError | null, response?: T) => void;
interface DynamicClient extends grpc.Client {
  GetTuple(request: object, options: grpc.CallOptions, callback: Callback<DynamicGetTupleResponse>): grpc.ClientUnaryCall;
  List(request: object, options: grpc.CallOptions): grpc.ClientReadableStream<{ tuple: DynamicTuple }>;
}
interface DynamicTuple {
  config: { threadId: string; checkpointNs: string; checkpointId: string };
  checkpoint: {
    v: number;
    id: string;
    ts: string;
    channelValues: Record<string, { type: string; data: Buffer }>;
    channelVersions: Record<string, { kind: string; intValue?: string; stringValue?: string; floatValue?: number }>;
    updatedChannels: string[];
  };
  metadata: { fields: Record<string, { kind: string; stringValue?: string; numberValue?: number }> };
  parentConfig: { checkpointId: string } | null;
  pendingWrites: { taskId: string; channel: string; taskPath: string; value: { type: string; data: Buffer } }[];
}
interface DynamicGetTupleResponse {
  tuple: DynamicTuple | null;
}

function grpcJsClient(port: number): DynamicClient {
  const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as {
    checkpointd: { v1: { CheckpointService: new (address: string, credentials: grpc.ChannelCredentials) => DynamicClient } };
  };
  return new loaded.checkpointd.v1.CheckpointService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

const deadline = () => ({ deadline: Date.now() + 10_000 });

function grpcJsGetTuple(client: DynamicClient, request: object): Promise<DynamicGetTupleResponse> {
  return new Promise((resolve, reject) =>
    client.GetTuple(request, deadline(), (error, response) => (error ? reject(error) : resolve(response!))),
  );
}

function grpcJsList(client: DynamicClient, request: object): Promise<DynamicTuple[]> {
  return new Promise((resolve, reject) => {
    const tuples: DynamicTuple[] = [];
    const stream = client.List(request, deadline());
    stream.on("data", (response: { tuple: DynamicTuple }) => tuples.push(response.tuple));
    stream.on("error", reject);
    stream.on("end", () => resolve(tuples));
  });
}

// ---------------------------------------------------------------------------------------------

describe("checkpointd serve (the README's start command: no services, embedded PGlite)", () => {
  test(
    "serves the generated client and a plain grpc-js client, exits 0 on SIGTERM, and keeps the data across a restart",
    async () => {
      const cwd = await tempDir();
      const threadId = "cli-thread";
      const steps = sampleHistory(threadId, "").slice(0, 2);

      // First run. Only the gRPC port is given (plus a free Connect port, so that parallel
      // test files never fight over the default 8080); the database is the default one.
      const port = await freePort();
      const first = startCli(["serve", "--port", String(port), "--http-port", String(await freePort())], cwd);
      await waitReady(first, port);
      expect(existsSync(join(cwd, ".data", "pglite"))).toBe(true);

      // (a) The generated TypeScript client.
      const client = connectClient(port);
      for (const step of steps) {
        const { config } = await client.put(step.put, { timeoutMs: 10_000 });
        expect(config?.checkpointId).toBe(step.put.checkpoint!.id);
        for (const writes of step.writes) await client.putWrites(writes, { timeoutMs: 10_000 });
      }
      for (const step of steps) {
        const { tuple } = await client.getTuple({ config: { threadId, checkpointId: step.put.checkpoint!.id } }, { timeoutMs: 10_000 });
        expectTuple(tuple, step.expected);
      }
      const latest = steps[1]!;
      expectTuple((await client.getTuple({ config: { threadId } }, { timeoutMs: 10_000 })).tuple, latest.expected);

      // (b) A grpc-js client built from the .proto files at run time.
      const plain = grpcJsClient(port);
      try {
        const { tuple } = await grpcJsGetTuple(plain, { config: { threadId } });
        expect(tuple).not.toBeNull();
        const put = latest.put.checkpoint!;
        // (oneofs: true also names proto3 `optional` fields' synthetic oneofs, hence toMatchObject.)
        expect(tuple!.config).toMatchObject({ threadId, checkpointNs: "", checkpointId: put.id });
        expect(tuple!.parentConfig?.checkpointId).toBe(steps[0]!.put.checkpoint!.id);
        expect(tuple!.checkpoint.id).toBe(put.id);
        expect(tuple!.checkpoint.ts).toBe(put.ts);
        expect(tuple!.checkpoint.v).toBe(4);
        // Bytes come back byte for byte; int64 versions as strings (longs: String), oneofs named.
        for (const [channel, value] of Object.entries(put.channelValues)) {
          expect(tuple!.checkpoint.channelValues[channel]?.type).toBe(value.type);
          expect(Buffer.compare(tuple!.checkpoint.channelValues[channel]!.data, Buffer.from(value.data))).toBe(0);
        }
        expect(tuple!.checkpoint.channelVersions.messages).toMatchObject({ kind: "intValue", intValue: "2" });
        expect(tuple!.checkpoint.channelVersions.py).toMatchObject({
          kind: "stringValue",
          stringValue: put.channelVersions.py!.kind.value,
        });
        expect(tuple!.metadata.fields.source).toMatchObject({ kind: "stringValue", stringValue: "loop" });
        expect(tuple!.metadata.fields.step).toMatchObject({ kind: "numberValue", numberValue: 0 });
        expect(tuple!.pendingWrites.map((w) => [w.taskId, w.channel])).toEqual(
          latest.expected.pendingWrites.map((w) => [w.taskId, w.channel]),
        );

        const listed = await grpcJsList(plain, { config: { threadId } });
        expect(listed.map((t) => t.checkpoint.id)).toEqual(steps.map((s) => s.put.checkpoint!.id).reverse());
        expect(listed[0]).toEqual(tuple);
        expect(await grpcJsList(plain, { config: { threadId }, limit: 1 })).toEqual([tuple]);
        expect(await grpcJsList(plain, { config: { threadId: "nobody" } })).toEqual([]);
      } finally {
        plain.close();
      }

      await terminate(first);

      // Second run on the same data directory (the same cwd, the same default ./.data/pglite).
      const port2 = await freePort();
      const second = startCli(["serve", "--port", String(port2), "--http-port", String(await freePort())], cwd);
      await waitReady(second, port2);
      const again = connectClient(port2);
      for (const step of steps) {
        const { tuple } = await again.getTuple({ config: { threadId, checkpointId: step.put.checkpoint!.id } }, { timeoutMs: 10_000 });
        expectTuple(tuple, step.expected);
      }
      expectTuple((await again.getTuple({ config: { threadId } }, { timeoutMs: 10_000 })).tuple, latest.expected);
      // The schema was already there: the second start applied no migration.
      expect(second.stdout()).toMatch(/"applied":\[\][^\n]*"msg":"database ready"/);
      await terminate(second);
    },
    2 * READY_WITHIN_MS + 2 * EXIT_WITHIN_MS + 30_000,
  );
});

describe("checkpointd migrate", () => {
  async function tables(url: string): Promise<string[]> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    client.on("error", () => undefined);
    await client.connect();
    try {
      const { rows } = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'checkpoint%' ORDER BY table_name",
      );
      return rows.map((r) => r.table_name);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  test("creates the three tables on a fresh PostgreSQL database, and running it again is a no-op", async () => {
    const admin = process.env.CHECKPOINTD_TEST_DATABASE_URL;
    if (admin === undefined) throw new Error("CHECKPOINTD_TEST_DATABASE_URL is not set: run the tests through jest's global setup");
    const url = await createDatabase(admin);
    const cwd = await tempDir();
    expect(await tables(url)).toEqual([]);

    const once = await runCli(["migrate"], cwd, { DATABASE_URL: url });
    expect({ code: once.code, stderr: once.stderr }).toEqual({ code: 0, stderr: "" });
    expect(once.stdout).toMatch(/"engine":"postgres","applied":\["0001_checkpoints"[^\n]*"msg":"database ready"/);
    expect(await tables(url)).toEqual(["checkpoint_blobs", "checkpoint_writes", "checkpoints"]);

    const twice = await runCli(["migrate"], cwd, { DATABASE_URL: url });
    expect({ code: twice.code, stderr: twice.stderr }).toEqual({ code: 0, stderr: "" });
    expect(twice.stdout).toMatch(/"applied":\[\][^\n]*"msg":"database ready"/);
    expect(await tables(url)).toEqual(["checkpoint_blobs", "checkpoint_writes", "checkpoints"]);

    // migrate does not serve, and on PostgreSQL it leaves no PGlite directory behind.
    expect(existsSync(join(cwd, ".data"))).toBe(false);
  });
});

describe("bad configuration fails at start with one line on stderr naming the setting", () => {
  let occupier: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (occupier ? occupier.close(resolve) : resolve(undefined)));
    occupier = undefined;
  });

  /** Occupies a loopback port for the length of one test. */
  async function occupiedPort(): Promise<number> {
    const server = createServer();
    occupier = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: "127.0.0.1", port: 0 }, resolve);
    });
    return (server.address() as { port: number }).port;
  }

  // Each case: how to run it, and what its one line must say.
  const cases: {
    what: string;
    setup: () => Promise<{ args: string[]; env: Record<string, string>; line: RegExp }>;
  }[] = [
    {
      what: "unparseable DATABASE_URL",
      setup: async () => ({ args: [], env: { DATABASE_URL: "not a url" }, line: /^checkpointd: DATABASE_URL: / }),
    },
    {
      what: "non-postgres DATABASE_URL",
      setup: async () => ({ args: [], env: { DATABASE_URL: "mysql://x" }, line: /^checkpointd: DATABASE_URL: .*mysql/ }),
    },
    {
      what: "unreachable PostgreSQL",
      setup: async () => {
        const port = await freePort(); // nothing listens there
        return {
          args: [],
          env: { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/x` },
          line: new RegExp(`^checkpointd: DATABASE_URL: .*127\\.0\\.0\\.1:${port}`),
        };
      },
    },
    {
      what: "unreachable PostgreSQL, for migrate too",
      setup: async () => {
        const port = await freePort();
        return {
          args: ["migrate"],
          env: { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/x` },
          line: /^checkpointd: DATABASE_URL: /,
        };
      },
    },
    {
      what: "gRPC port in use",
      setup: async () => {
        const port = await occupiedPort();
        return { args: ["--port", String(port)], env: {}, line: new RegExp(`^checkpointd: port: .*127\\.0\\.0\\.1:${port}.*in use`) };
      },
    },
    {
      what: "unknown flag",
      setup: async () => ({ args: ["--nope"], env: {}, line: /^checkpointd: arguments: .*--nope/ }),
    },
    {
      what: "bad PORT",
      setup: async () => ({ args: [], env: { PORT: "abc" }, line: /^checkpointd: PORT: .*"abc"/ }),
    },
    {
      what: "bad --port",
      setup: async () => ({ args: ["--port", "65536"], env: {}, line: /^checkpointd: --port: .*"65536"/ }),
    },
    {
      what: "bad --log-level",
      setup: async () => ({ args: ["--log-level", "loud"], env: {}, line: /^checkpointd: --log-level: .*"loud"/ }),
    },
    {
      what: "bad LOG_LEVEL",
      setup: async () => ({ args: [], env: { LOG_LEVEL: "verbose" }, line: /^checkpointd: LOG_LEVEL: .*"verbose"/ }),
    },
    {
      what: "unknown command",
      setup: async () => ({ args: ["start"], env: {}, line: /^checkpointd: command: .*"start"/ }),
    },
  ];

  test.each(cases)("$what", async ({ setup }) => {
    const { args, env, line } = await setup();
    const cwd = await tempDir();
    // A free Connect port: if the start wrongly succeeded it must not take the default 8080.
    const result = await runCli(args, cwd, { HTTP_PORT: String(await freePort()), ...env });
    const context = `\n--- stderr ---\n${result.stderr}--- stdout ---\n${result.stdout}`;

    expect(result.signal).toBeNull();
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.ms).toBeLessThan(EXIT_WITHIN_MS);
    // Exactly one line, newline-terminated, that names the setting.
    expect(result.stderr.endsWith("\n")).toBe(true);
    const lines = result.stderr.slice(0, -1).split("\n");
    expect({ lines: lines.length, context }).toEqual({ lines: 1, context });
    expect(lines[0]).toMatch(line);
    // No stack trace, no internals.
    expect(result.stderr).not.toMatch(/^\s+at\s/m);
    expect(result.stderr).not.toMatch(/node:internal|\.js:\d+|Error:/);
  });
});

describe("checkpointd --help", () => {
  test.each([["--help"], ["-h"]])("%s prints the usage and exits 0", async (flag) => {
    const result = await runCli([flag], await tempDir());
    expect({ code: result.code, signal: result.signal, stderr: result.stderr }).toEqual({ code: 0, signal: null, stderr: "" });
    expect(result.stdout).toMatch(/^Usage: checkpointd /);
    for (const word of [
      "serve",
      "migrate",
      "--host",
      "--port",
      "--database-url",
      "DATABASE_URL",
      "--data-dir",
      "--log-level",
      "--max-message-bytes",
      "--shutdown-grace-ms",
    ]) {
      expect(result.stdout).toContain(word);
    }
    expect(result.ms).toBeLessThan(EXIT_WITHIN_MS);
  });

  test("--help does not open a database or listen", async () => {
    const cwd = await tempDir();
    const result = await runCli(["--help"], cwd, { DATABASE_URL: "postgres://postgres@127.0.0.1:1/x" });
    expect(result.code).toBe(0);
    expect(existsSync(join(cwd, ".data"))).toBe(false);
  });
});
