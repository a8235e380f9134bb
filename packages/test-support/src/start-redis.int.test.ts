import { afterAll, describe, expect, test } from "@jest/globals";
import { pingRedis } from "./ping-redis.js";
import { startRedis } from "./start-redis.js";
import type { RedisInstance } from "./start-redis.js";

describe("startRedis", () => {
  let instance: RedisInstance | undefined;
  const started = (): RedisInstance => {
    if (instance === undefined) throw new Error("instance not started");
    return instance;
  };

  afterAll(async () => {
    await instance?.stop();
  });

  test("starts a server on loopback that answers PING", async () => {
    instance = await startRedis();
    expect(instance.url).toBe(`redis://127.0.0.1:${instance.port}`);
    await expect(pingRedis(instance.port)).resolves.toBeUndefined();
  });

  test("kill() takes it down hard and start() brings it back on the same port", async () => {
    const redis = started();
    await redis.kill();
    await expect(pingRedis(redis.port)).rejects.toThrow();
    await redis.kill(); // idempotent
    await redis.start();
    await expect(pingRedis(redis.port)).resolves.toBeUndefined();
  });

  test("stop() shuts it down and start() again works", async () => {
    const redis = started();
    await redis.stop();
    await expect(pingRedis(redis.port)).rejects.toThrow();
    await redis.start();
    await redis.start(); // idempotent
    await expect(pingRedis(redis.port)).resolves.toBeUndefined();
    await redis.stop();
  });

  test("a port already in use fails fast with the reason", async () => {
    const redis = started();
    await redis.start();
    const began = Date.now();
    await expect(startRedis({ port: redis.port })).rejects.toThrow(/redis-server exited/);
    expect(Date.now() - began).toBeLessThan(10_000);
  });
});
