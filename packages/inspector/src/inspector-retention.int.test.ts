import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { CheckpointService, TtlStrategy } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { sampleHistory, spawnCheckpointd, type SpawnedCheckpointd } from "@checkpointd/test-support";
import { newApiKey, withAuthorization, writeKeysFile, type TestApiKey } from "@checkpointd/test-support/auth";
import { launchChromium } from "@checkpointd/test-support/browser";

// Screenshots for people to look at: <repo>/tmp/ui-screenshots (gitignored).
const shots = fileURLToPath(new URL("../../../tmp/ui-screenshots/", import.meta.url));
mkdirSync(shots, { recursive: true });

type Browser = Awaited<ReturnType<typeof launchChromium>>;
type Page = Awaited<ReturnType<Browser["newPage"]>>;

const iso = (t: Timestamp | undefined) => (t === undefined ? undefined : timestampDate(t).toISOString());
const days = (n: number) => ({ seconds: BigInt(n * 86_400), nanos: 0 });

/** GetThread's facts and SetRetention through the page, checked over gRPC; server defaults: keep 100 versions, expire after 90 days. */
describe("the web inspector's thread facts and retention", () => {
  const admin = newApiKey("ui-admin", "acme", ["admin"]);
  const writer = newApiKey("ui-writer", "acme", ["write"]);
  const reader = newApiKey("ui-reader", "acme", ["read"]);
  const thread = "ui-retention-thread";
  let dir: string;
  let server: SpawnedCheckpointd;
  let browser: Browser;
  let page: Page;
  let asAdmin: Client<typeof CheckpointService>;
  const getThread = async () => (await asAdmin.getThread({ threadId: thread })).thread!;
  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  const text = (selector: string) => page.$eval(selector, (n) => n.textContent ?? "");
  const fact = (name: string) => text(`[data-testid=thread-facts] [data-fact=${name}] dd`);
  const policyCells = (column: "in-force" | "own") =>
    page.$$eval(`[data-testid=retention-policy] tbody td.${column}`, (cells) => cells.map((c) => c.textContent));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "checkpointd-ui-retention-"));
    await writeKeysFile(join(dir, "keys.json"), [admin, writer, reader]);
    const flags = ["--retention-max-versions", "100", "--thread-ttl", "90d"];
    [server, browser] = await Promise.all([
      spawnCheckpointd(["--data-dir", "memory://", "--auth-keys-file", join(dir, "keys.json"), ...flags]),
      launchChromium(),
    ]);
    asAdmin = createClient(
      CheckpointService,
      createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.port}`, interceptors: withAuthorization(admin.token) }),
    );
    for (const step of [...sampleHistory(thread, ""), ...sampleHistory(thread, "child:1")]) await asAdmin.put(step.put);
    page = await browser.newPage();
    page.setDefaultTimeout(20_000);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const logIn = async (key: TestApiKey) => {
    if ((await page.$("header button.link")) !== null) await page.click("header button.link");
    await page.goto(`http://127.0.0.1:${server.httpPort}/ui/`, { waitUntil: "domcontentloaded" });
    await page.waitForSelector("[data-testid=login] input[name=token]");
    await page.type("[data-testid=login] input[name=token]", key.token);
    await page.click("[data-testid=login] button[type=submit]");
    await page.waitForSelector("[data-testid=threads-page][data-loaded=yes]");
  };
  const openThread = async (reload = false) => {
    if (reload) await page.reload({ waitUntil: "domcontentloaded" });
    else await page.goto(`http://127.0.0.1:${server.httpPort}/ui/#/thread?thread=${thread}`, { waitUntil: "domcontentloaded" });
    await page.waitForSelector("[data-testid=thread-facts]");
    await page.click("[data-testid=retention-form] summary");
  };
  const setField = async (name: string, value: string) => {
    await page.$eval(`[data-testid=retention-form] input[name=${name}]`, (n) => ((n as HTMLInputElement).value = ""));
    await page.type(`[data-testid=retention-form] input[name=${name}]`, value);
  };
  const setRetention = async () => {
    await page.click("[data-testid=set-retention]");
    await page.click("[data-testid=set-retention-yes]");
    await page.waitForSelector("[data-testid=retention-message]");
    return text("[data-testid=retention-message]");
  };

  it("shows GetThread's counts in the threads list, and its facts and policy in force on the thread page", async () => {
    const wire = await getThread();
    expect(wire.checkpointCount).toBeGreaterThan(2n);
    await logIn(admin);
    const cell = `[data-testid=thread-row][data-thread=${thread}] [data-testid=thread-checkpoints]`;
    await page.waitForFunction((s) => /^\d+$/.test(document.querySelector(s)?.textContent ?? ""), {}, cell);
    expect(await text(cell)).toBe(String(wire.checkpointCount));
    await shot("retention-0-threads-counts");

    await openThread();
    expect(await fact("checkpoints")).toBe(String(wire.checkpointCount));
    expect(await fact("namespaces")).toBe("(root), child:1");
    expect(wire.namespaces).toEqual(["", "child:1"]);
    expect(await fact("created")).toBe(iso(wire.createdAt));
    expect(await fact("last-write")).toBe(iso(wire.lastWriteAt));
    expect(await fact("expires")).toBe(iso(wire.expiresAt));
    expect(timestampDate(wire.expiresAt!).getTime() - timestampDate(wire.lastWriteAt!).getTime()).toBe(90 * 86_400_000);
    // The server's defaults are in force; the thread has no policy of its own.
    expect(await policyCells("in-force")).toEqual(["100", "no limit", "90d", "delete", "no"]);
    expect(await policyCells("own")).toEqual(["—", "—", "—", "—", "—"]);
    expect(wire.threadPolicy).toBeUndefined();
    expect(await page.$eval("[data-fact=stored-bytes] dd", (n) => n.getAttribute("title"))).toBe(`${wire.storedBytes} bytes`);
    await shot("retention-1-thread-facts");

    // A checkpoint saved elsewhere (older than the newest, in a new namespace) moves the facts live.
    await asAdmin.put(sampleHistory(thread, "child:2")[0]!.put);
    const after = await getThread();
    expect(after.checkpointCount).toBe(wire.checkpointCount + 1n);
    await page.waitForFunction(
      (n) => document.querySelector("[data-testid=thread-facts] [data-fact=checkpoints] dd")?.textContent === n,
      {},
      String(after.checkpointCount),
    );
    expect(await fact("namespaces")).toBe("(root), child:1, child:2");
    expect(await fact("last-write")).toBe(iso(after.lastWriteAt));
  });

  it("sets a policy through the page that GetThread then returns; the server's INVALID_ARGUMENT is shown and changes nothing", async () => {
    await setField("max-versions", "5");
    await setField("max-age", "7d");
    await setField("ttl", "30d");
    await page.select("[data-testid=retention-form] select[name=ttl-strategy]", "keep_latest");
    await page.click("[data-testid=retention-form] input[name=pinned]");
    expect(await setRetention()).toBe("set retention: done");
    const set = await getThread();
    expect(set.threadPolicy).toMatchObject({
      maxVersions: 5,
      maxAge: days(7),
      ttl: days(30),
      ttlStrategy: TtlStrategy.KEEP_LATEST,
      pinned: true,
    });
    expect(set.policy).toMatchObject({
      maxVersions: 5,
      maxAge: days(7),
      ttl: days(30),
      ttlStrategy: TtlStrategy.KEEP_LATEST,
      pinned: true,
    });
    expect(set.expiresAt).toBeUndefined();
    expect(await policyCells("in-force")).toEqual(["5", "7d", "30d", "keep latest", "yes"]);
    expect(await policyCells("own")).toEqual(["5", "7d", "30d", "keep latest", "yes"]);
    expect(await fact("expires")).toBe("never");
    await shot("retention-2-set");

    // A reload starts the form from the thread's own policy.
    await openThread(true);
    expect(await page.$eval("[data-testid=retention-form] input[name=max-versions]", (n) => (n as HTMLInputElement).value)).toBe("5");
    for (const [name, value, refusal, was] of [
      ["max-versions", "-1", "InvalidArgument: policy.max_versions must not be negative", "5"],
      ["max-age", "36600d", "InvalidArgument: policy.max_age must be at most 100 years", "7d"],
    ] as const) {
      await setField(name, value);
      expect(await setRetention()).toBe(`set retention: ${refusal}`);
      expect((await getThread()).threadPolicy).toEqual(set.threadPolicy);
      await setField(name, was);
    }
    // Text that is no duration is refused before anything is sent.
    await setField("ttl", "a month");
    expect(await text("[data-testid=retention-message]")).toContain('TTL: "a month" is not a duration');
    expect(await page.$eval("[data-testid=set-retention]", (n) => (n as HTMLButtonElement).disabled)).toBe(true);
    await setField("ttl", "30d");
    await shot("retention-3-invalid-argument");
    expect(await page.$("[data-testid=read-only]")).toBeNull();
  });

  it("refuses a write key and a read key (PERMISSION_DENIED shown, the control disabled), and changes nothing", async () => {
    const before = await getThread();
    for (const [key, role] of [
      [writer, "write"],
      [reader, "read"],
    ] as const) {
      await logIn(key);
      await openThread();
      expect(await fact("checkpoints")).toBe(String(before.checkpointCount));
      await setField("max-versions", "1");
      expect(await setRetention()).toBe(
        `set retention: PermissionDenied: SetRetention needs the admin role; this credential has the ${role} role`,
      );
      await page.waitForSelector("[data-testid=read-only]");
      expect(await page.$eval("[data-testid=set-retention]", (n) => (n as HTMLButtonElement).disabled)).toBe(true);
      expect(await page.$eval("[data-testid=delete]", (n) => (n as HTMLButtonElement).disabled)).toBe(true);
      await shot(`retention-4-refused-${role}`);
      expect((await getThread()).threadPolicy).toEqual(before.threadPolicy);
    }
  });

  it("an admin removes the thread's own policy: the server's defaults are in force again", async () => {
    await logIn(admin);
    await openThread();
    await page.click("[data-testid=clear-retention]");
    await page.click("[data-testid=clear-retention-yes]");
    await page.waitForFunction(() => document.querySelector("[data-testid=retention-message]")?.textContent === "clear retention: done");
    const cleared = await getThread();
    expect(cleared.threadPolicy).toBeUndefined();
    expect(cleared.policy).toMatchObject({ maxVersions: 100, ttl: days(90), ttlStrategy: TtlStrategy.DELETE, pinned: false });
    expect(await policyCells("in-force")).toEqual(["100", "no limit", "90d", "delete", "no"]);
    expect(await fact("expires")).toBe(iso(cleared.expiresAt));
  });
});
