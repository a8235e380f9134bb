import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";
import { runCommand } from "./run-command.js";
import { sendRedisCommand } from "./send-redis-command.js";
import { waitUntil } from "./wait-until.js";

export interface RedisClusterInstance {
  /** One node's URL; a cluster client discovers the others. */
  url: string;
  ports: number[];
  destroy(): Promise<void>;
}

/**
 * A throwaway Redis Cluster of three masters on loopback (no replicas, no
 * persistence), created with `redis-cli --cluster create`.
 */
export async function startRedisCluster(): Promise<RedisClusterInstance> {
  const dir = await mkdtemp(join(tmpdir(), "checkpointd-redis-cluster-"));
  const ports = [await freePort(), await freePort(), await freePort()];
  const children: ChildProcess[] = [];
  const destroy = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGKILL");
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      const args = [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        `nodes-${port}.conf`,
      ];
      args.push("--save", "", "--appendonly", "no", "--dir", dir, "--loglevel", "warning");
      children.push(spawn("redis-server", args, { cwd: dir, stdio: "ignore" }));
    }
    for (const port of ports)
      await waitUntil(`cluster node ${port}`, async () => void (await sendRedisCommand(port, ["PING"])), { timeoutMs: 15_000 });
    await runCommand("redis-cli", [
      "--cluster",
      "create",
      ...ports.map((p) => `127.0.0.1:${p}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]);
    for (const port of ports) {
      await waitUntil(
        `cluster state on ${port}`,
        async () => {
          const info = await sendRedisCommand(port, ["CLUSTER", "INFO"]);
          if (!info.includes("cluster_state:ok")) throw new Error("cluster_state is not ok yet");
        },
        { timeoutMs: 20_000 },
      );
    }
  } catch (error) {
    await destroy();
    throw error;
  }
  return { url: `redis://127.0.0.1:${ports[0]}`, ports, destroy };
}
