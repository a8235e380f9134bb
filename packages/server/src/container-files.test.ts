import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "@jest/globals";
import { parse } from "yaml";
import { loadConfig } from "./config/load-config.js";

// There is no Docker engine here: these files are checked by reading them.
const root = fileURLToPath(new URL("../../../", import.meta.url));
const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");

/** Dockerfile instructions with line continuations joined. */
function instructions(): { op: string; args: string }[] {
  return dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(" ") };
    });
}

describe("Dockerfile", () => {
  it("copies only paths that exist in the repository", () => {
    const copies = instructions().filter((i) => i.op === "COPY" && !i.args.startsWith("--from"));
    expect(copies.length).toBeGreaterThan(3);
    for (const copy of copies) {
      const sources = copy.args.split(/\s+/).slice(0, -1);
      for (const source of sources) expect([source, existsSync(join(root, source))]).toEqual([source, true]);
    }
  });

  it("runs as a non-root user on 0.0.0.0 with both ports exposed and a health check through the health service", () => {
    const all = instructions();
    const last = (op: string) => all.filter((i) => i.op === op).at(-1)?.args;
    expect(all.filter((i) => i.op === "FROM").map((i) => i.args)).toEqual(["node:20-bookworm-slim AS build", "node:20-bookworm-slim"]);
    expect(last("USER")).toBe("node");
    expect(last("ENV")).toMatch(/HOST=0\.0\.0\.0/);
    expect(last("EXPOSE")?.split(" ").sort()).toEqual(["50051", "8080"]);
    expect(last("HEALTHCHECK")).toMatch(/CMD \["node", "\/app\/dist\/cli\.js", "health"\]/);
    expect(last("ENTRYPOINT")).toBe('["node", "/app/dist/cli.js"]');
    // What the image runs is what the package builds.
    const pkg = JSON.parse(readFileSync(join(root, "packages/server/package.json"), "utf8")) as {
      bin: Record<string, string>;
      files: string[];
    };
    expect(pkg.bin.checkpointd).toBe("./dist/cli.js");
    expect(pkg.files).toContain("dist");
  });
  it("ships in the final stage only the deployed server package (its packed files and production dependencies)", () => {
    const all = instructions();
    const finalStage = all.slice(all.map((i) => i.op).lastIndexOf("FROM"));
    expect(finalStage.filter((i) => i.op === "COPY" || i.op === "ADD").map((i) => i.args)).toEqual(["--from=build /out /app"]);
    // pnpm deploy copies what `pnpm pack` would (packed-packages.int.test.ts runs this very command and compares).
    const deploys = all
      .filter((i) => i.op === "RUN" && / deploy /.test(i.args))
      .map((i) => /pnpm (--filter \S+ deploy(?: --[a-z-]+)*) (\S+)/.exec(i.args));
    expect(deploys.map((m) => m?.slice(1))).toEqual([["--filter @checkpointd/server deploy --legacy --prod", "/out"]]);
  });
  it("builds the image from the proto, client (the CLI verbs' client), inspector and server packages only: no test helpers, no test-only dependencies", () => {
    const sources = instructions()
      .filter((i) => i.op === "COPY" && !i.args.startsWith("--from"))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    const packages = new Set(sources.filter((source) => source.startsWith("packages/")).map((source) => source.split("/")[1]));
    expect([...packages].sort()).toEqual(["client", "inspector", "proto", "server"]);
    const pkg = JSON.parse(readFileSync(join(root, "packages/server/package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    const deps = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies ?? {})];
    expect(deps.filter((name) => name === "@checkpointd/test-support" || name === "cluster-key-slot")).toEqual([]);
  });
});

describe("docker-compose.yml", () => {
  const compose = parse(readFileSync(join(root, "docker-compose.yml"), "utf8")) as {
    services: Record<
      string,
      {
        image?: string;
        build?: string;
        environment?: Record<string, string>;
        depends_on?: Record<string, unknown>;
        ports?: string[];
        volumes?: Array<
          string | { type: string; source: string; target: string; read_only?: boolean; bind?: { create_host_path?: boolean } }
        >;
      }
    >;
  };

  it("parses and runs checkpointd with postgres:15 and redis:7", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["checkpointd", "postgres", "redis"]);
    expect(compose.services.postgres!.image).toBe("postgres:15");
    expect(compose.services.redis!.image).toBe("redis:7");
    expect(compose.services.checkpointd!.build).toBe(".");
    expect(Object.keys(compose.services.checkpointd!.depends_on ?? {}).sort()).toEqual(["postgres", "redis"]);
  });

  it("gives checkpointd a configuration it accepts", () => {
    const env = compose.services.checkpointd!.environment!;
    const config = loadConfig([], { ...env, HOST: "0.0.0.0" });
    expect(config.databaseUrl).toBe("postgres://checkpointd:checkpointd@postgres:5432/checkpointd");
  });

  it("does not publish an unauthenticated server: a keys file is mounted, ports are on the host's loopback", () => {
    const checkpointd = compose.services.checkpointd!;
    const env = checkpointd.environment!;
    expect(env.AUTH_KEYS_FILE).toBe("/etc/checkpointd/keys.json");
    expect(Object.keys(env).filter((name) => /INSECURE/.test(name))).toEqual([]);
    expect(checkpointd.volumes).toContainEqual({
      type: "bind",
      source: "./checkpointd-keys.json",
      target: env.AUTH_KEYS_FILE,
      read_only: true,
      bind: { create_host_path: false },
    });
    expect(checkpointd.ports).toEqual(["127.0.0.1:50051:50051", "127.0.0.1:8080:8080"]);
    expect(dockerfile).not.toMatch(/INSECURE_NO_AUTH|--insecure-no-auth/);
  });

  it("makes a key as its header says: the file holds the SHA-256 of the token it printed", async () => {
    const text = readFileSync(join(root, "docker-compose.yml"), "utf8");
    const recipe = /Make one first[^\n]*\n#\n((?:#   .*\n)+)/.exec(text)?.[1]?.replace(/^# {3}/gm, "");
    expect(recipe).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), "checkpointd-compose-"));
    try {
      const out = execFileSync("bash", ["-euo", "pipefail", "-c", recipe!], { cwd: dir, encoding: "utf8" });
      const token = /your token: ([0-9a-f]{64})/.exec(out)?.[1];
      expect(token).toBeDefined();
      const keys = JSON.parse(readFileSync(join(dir, "checkpointd-keys.json"), "utf8")) as unknown;
      expect(keys).toEqual([
        { id: "local", sha256: createHash("sha256").update(token!).digest("hex"), tenant: "default", roles: ["admin"] },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
