// The packages as a user gets them: the npm tarballs (`pnpm pack`), the Python wheel and sdist
// (`python -m build`) and the Go module (through `replace`), each installed in a fresh project
// under os.tmpdir(), outside the workspace, and run against a server started from the packed
// @checkpointd/server's own `checkpointd` bin.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { buildGoConsumer } from "./packed/build-go-consumer.js";
import { buildPythonDists, type PythonDists } from "./packed/build-python-dists.js";
import { createPythonVenv } from "./packed/create-python-venv.js";
import { deployServerLikeDockerfile, type DeployedServer } from "./packed/deploy-server-like-dockerfile.js";
import { compileNpmConsumer } from "./packed/compile-npm-consumer.js";
import { installNpmConsumer } from "./packed/install-npm-consumer.js";
import { manifestTargets, packedHas } from "./packed/manifest-targets.js";
import { packNpmPackage, type PackedPackage } from "./packed/pack-npm-package.js";
import { runTool, userEnv } from "./packed/run-tool.js";
import { startInstalledServer, type InstalledServer } from "./packed/start-installed-server.js";
import { undeclaredImports } from "./packed/undeclared-imports.js";
import { npmRegistryPins, pythonLanggraphPin } from "./packed/workspace-pins.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const consumers = fileURLToPath(new URL("../consumers/", import.meta.url));
const published = ["proto", "inspector", "client", "langgraph", "server"] as const;
/** Their suites live beside their code (src/): their tarballs carry none of it. */
const withoutTestCode = ["server", "client", "langgraph"] as const;
const fourTurns = ["hello", "you said: hello", "again", "you said: again"];

function lastJsonLine<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as T;
}

describe("the packages installed outside the workspace", () => {
  const work = mkdtempSync(join(tmpdir(), "checkpointd-packed-"));
  const npmDir = join(work, "npm");
  const packed = new Map<string, PackedPackage>();
  let python: { dists: PythonDists; python: string };
  let goBinary: string;
  let jsGraph: string;
  let deployed: DeployedServer;
  let server: InstalledServer | undefined;
  let address: string;

  beforeAll(async () => {
    expect(relative(root, work).startsWith("..")).toBe(true);
    const tarballs = join(work, "tarballs");
    mkdirSync(tarballs);
    mkdirSync(npmDir);
    for (const name of published) packed.set(name, await packNpmPackage(join(root, "packages", name), name, tarballs));

    const npmSide = async () => {
      await installNpmConsumer({ dir: npmDir, tarballs: [...packed.values()].map((p) => p.tarball), registry: npmRegistryPins(root) });
      jsGraph = await compileNpmConsumer(root, npmDir, join(consumers, "graph.ts"));
    };
    const pythonSide = async () => {
      const dists = await buildPythonDists(root, join(work, "python"));
      const venvPython = await createPythonVenv({
        dir: join(work, "python", "venv"),
        install: [dists.wheel, pythonLanggraphPin(root)],
        constraints: join(root, "clients/python/constraints-test.txt"),
      });
      python = { dists, python: venvPython };
    };
    const goSide = async () => {
      goBinary = await buildGoConsumer({
        dir: join(work, "go"),
        mainFile: join(consumers, "main.go"),
        clientModuleDir: join(root, "clients/go"),
      });
    };
    const deploySide = async () => {
      deployed = await deployServerLikeDockerfile(root, join(work, "deploy"));
    };
    // All of them finish (or time out) before anything is judged: nothing runs on after the cleanup.
    const failures = (await Promise.allSettled([npmSide(), pythonSide(), goSide(), deploySide()])).flatMap((r) =>
      r.status === "rejected" ? [r.reason] : [],
    );
    if (failures.length > 0) throw new Error(failures.map(String).join("\n\n"));

    const bin = join(npmDir, "node_modules/.bin/checkpointd");
    server = await startInstalledServer(
      bin,
      ["serve", "--host", "127.0.0.1", "--port", "0", "--http-port", "off", "--data-dir", "memory://"],
      npmDir,
    );
    address = `127.0.0.1:${server.port}`;
  }, 420_000);

  afterAll(async () => {
    if (server !== undefined) await server.stop(10_000);
    rmSync(work, { recursive: true, force: true });
  });

  it("packs each npm package with its README and published metadata, its entry points inside the tarball", () => {
    for (const name of published) {
      const { entries } = packed.get(name)!;
      const manifest = JSON.parse(readFileSync(join(npmDir, "node_modules/@checkpointd", name, "package.json"), "utf8")) as Record<
        string,
        unknown
      >;
      expect([name, entries]).toEqual([name, expect.arrayContaining(["package.json", "README.md"])]);
      expect([name, manifest.private, manifest.repository, manifest.engines]).toEqual([
        name,
        undefined,
        expect.anything(),
        { node: ">=20" },
      ]);
      expect([name, JSON.stringify(manifest)]).toEqual([name, expect.not.stringContaining("workspace:")]);
      const targets = manifestTargets(manifest);
      expect(targets.length).toBeGreaterThan(0);
      for (const target of targets) expect([name, target, packedHas(target, entries)]).toEqual([name, target, true]);
    }
  });

  it("ships no test code in the server, client and langgraph tarballs", () => {
    const testCode = withoutTestCode.map((name) => [
      name,
      packed.get(name)!.entries.filter((entry) => /(^|\/)testing\//.test(entry) || /\.test\./.test(entry)),
    ]);
    expect(testCode).toEqual(withoutTestCode.map((name) => [name, []]));
  });

  it("builds the container image's /app (the Dockerfile's pnpm deploy) from the packed server's files and its production dependencies", () => {
    expect([...deployed.files].sort()).toEqual([...packed.get("server")!.entries].sort());
    expect([...deployed.checkpointdDependencies].sort()).toEqual(["@checkpointd/client", "@checkpointd/inspector", "@checkpointd/proto"]);
  });

  it("imports, in each installed package, only packages it declares", () => {
    const undeclared = published.map((name) => [name, undeclaredImports(join(npmDir, "node_modules/@checkpointd", name))]);
    expect(undeclared).toEqual(published.map((name) => [name, []]));
  });

  it("runs a LangGraph.js graph on the packed server through the installed saver: the second turn sees the first", async () => {
    const { stdout } = await runTool(process.execPath, [jsGraph, address, "packed-js"], {
      cwd: npmDir,
      env: userEnv(),
      timeoutMs: 60_000,
      missingHint: "node",
    });
    const out = lastJsonLine<{
      result: string[];
      state: string[];
      history: number;
      stateCheckpointId: string;
      latestCheckpointId: string;
      saver: string;
    }>(stdout);
    expect(out.result).toEqual(fourTurns);
    expect(out.state).toEqual(fourTurns);
    // Each invoke stores at least its input and its step's checkpoint.
    expect(out.history).toBeGreaterThanOrEqual(4);
    // The raw generated client (@checkpointd/proto's schema) reads the checkpoint getState shows.
    expect(out.latestCheckpointId).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
    expect(out.latestCheckpointId).toBe(out.stateCheckpointId);
    expect(fileURLToPath(out.saver).startsWith(join(npmDir, "node_modules/@checkpointd/langgraph/"))).toBe(true);
  });

  it("builds an sdist and a wheel (from that sdist) that carry the generated stubs and py.typed", () => {
    const { wheelEntries, sdistEntries } = python.dists;
    for (const module of ["checkpoint", "checkpoint_service", "watch"]) {
      expect(wheelEntries).toEqual(
        expect.arrayContaining([
          `checkpointd/v1/${module}_pb2.py`,
          `checkpointd/v1/${module}_pb2.pyi`,
          `checkpointd/v1/${module}_pb2_grpc.py`,
        ]),
      );
      expect(sdistEntries).toEqual(expect.arrayContaining([`gen/checkpointd/v1/${module}_pb2.pyi`]));
    }
    expect(wheelEntries).toEqual(expect.arrayContaining(["checkpointd/py.typed", "checkpointd/saver/checkpointd_saver.py"]));
    expect(sdistEntries).toEqual(expect.arrayContaining(["pyproject.toml", "README.md", "src/checkpointd/py.typed"]));
    expect(wheelEntries.filter((entry) => entry.startsWith("tests/") || entry.includes("/tests/"))).toEqual([]);
  });

  it("runs a LangGraph Python graph on the packed server through the installed wheel's saver", async () => {
    const runDir = join(work, "python", "run");
    mkdirSync(runDir, { recursive: true });
    copyFileSync(join(consumers, "graph.py"), join(runDir, "graph.py"));
    const { stdout } = await runTool(python.python, [join(runDir, "graph.py"), address, "packed-python"], {
      cwd: runDir,
      env: userEnv(),
      timeoutMs: 60_000,
      missingHint: "the venv has no python",
    });
    const out = lastJsonLine<{ result: string[]; state: string[]; package: string; py_typed: boolean; stubs: string[] }>(stdout);
    expect(out.result).toEqual(fourTurns);
    expect(out.state).toEqual(fourTurns);
    expect(out.package.startsWith(join(work, "python", "venv", "lib"))).toBe(true);
    expect(out.py_typed).toBe(true);
    expect(out.stubs).toEqual(["checkpoint_pb2.pyi", "checkpoint_service_pb2.pyi", "watch_pb2.pyi"]);
  });

  it("builds a Go module that uses clients/go through replace, and it round-trips a checkpoint", async () => {
    const { stdout } = await runTool(goBinary, [address, "packed-go"], {
      cwd: work,
      env: userEnv(),
      timeoutMs: 60_000,
      missingHint: "go build made no binary",
    });
    expect(lastJsonLine(stdout)).toEqual({
      saved: "1f0c3a2e-0000-6000-8000-0000000000aa",
      latest: "1f0c3a2e-0000-6000-8000-0000000000aa",
      messages: '["from go"]',
    });
  });
});
