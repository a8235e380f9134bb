import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { sampleHistory, spawnCheckpointd, type SpawnedCheckpointd } from "@checkpointd/test-support";
import { newApiKey, withAuthorization, writeKeysFile } from "@checkpointd/test-support/auth";
import { launchChromium } from "@checkpointd/test-support/browser";

// Screenshots for people to look at: <repo>/tmp/ui-screenshots (gitignored).
const shots = fileURLToPath(new URL("../../../tmp/ui-screenshots/", import.meta.url));
mkdirSync(shots, { recursive: true });

type Browser = Awaited<ReturnType<typeof launchChromium>>;
type Page = Awaited<ReturnType<Browser["newPage"]>>;

/** The inspector in front of a server with real API keys (--auth-keys-file), in headless Chromium. */
describe("the web inspector with authentication on", () => {
  const reader = newApiKey("ui-reader", "acme", ["read"]);
  const admin = newApiKey("ui-admin", "acme", ["admin"]);
  const thread = "ui-auth-thread";
  let dir: string;
  let server: SpawnedCheckpointd;
  let browser: Browser;
  let page: Page;
  let asAdmin: Client<typeof CheckpointService>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "checkpointd-ui-auth-"));
    await writeKeysFile(join(dir, "keys.json"), [reader, admin]);
    [server, browser] = await Promise.all([
      spawnCheckpointd(["--data-dir", "memory://", "--auth-keys-file", join(dir, "keys.json")]),
      launchChromium(),
    ]);
    asAdmin = createClient(
      CheckpointService,
      createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.port}`, interceptors: withAuthorization(admin.token) }),
    );
    for (const step of sampleHistory(thread, "")) await asAdmin.put(step.put);
    page = await browser.newPage();
    page.setDefaultTimeout(20_000);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const logIn = async (token: string) => {
    await page.waitForSelector("[data-testid=login] input[name=token]");
    await page.type("[data-testid=login] input[name=token]", token);
    await page.click("[data-testid=login] button[type=submit]");
    await page.waitForSelector("[data-testid=threads-page][data-loaded=yes]");
  };

  it("asks for a token first; a read-only key reads, and its delete is refused, leaves the thread, and turns the page read-only", async () => {
    await page.goto(`http://127.0.0.1:${server.httpPort}/ui/`, { waitUntil: "domcontentloaded" });
    await page.waitForSelector("[data-testid=login]");
    await page.screenshot({ path: join(shots, "auth-0-login.png"), fullPage: true });

    await logIn(reader.token);
    await page.waitForSelector(`[data-testid=thread-row][data-thread=${thread}]`);

    await page.goto(`http://127.0.0.1:${server.httpPort}/ui/#/thread?thread=${thread}`, { waitUntil: "domcontentloaded" });
    await page.waitForSelector("[data-testid=checkpoint-row]");
    await page.click("[data-testid=delete]");
    await page.click("[data-testid=delete-yes]");
    await page.waitForSelector("[data-testid=read-only]");
    const message = await page.$eval("[data-testid=action-message]", (n) => n.textContent ?? "");
    expect(message).toContain("DeleteThread needs the admin role; this credential has the read role");
    expect(await page.$eval("[data-testid=delete]", (n) => (n as HTMLButtonElement).disabled)).toBe(true);
    await page.screenshot({ path: join(shots, "auth-1-read-only.png"), fullPage: true });
    expect((await asAdmin.getTuple({ config: { threadId: thread } })).tuple).toBeDefined();
  });

  it("logs out, logs in with an admin key, and deletes the thread", async () => {
    await page.click("header button.link");
    await page.goto(`http://127.0.0.1:${server.httpPort}/ui/`, { waitUntil: "domcontentloaded" });
    await logIn(admin.token);
    expect(await page.$("[data-testid=read-only]")).toBeNull();
    await page.goto(`http://127.0.0.1:${server.httpPort}/ui/#/thread?thread=${thread}`, { waitUntil: "domcontentloaded" });
    await page.waitForSelector("[data-testid=checkpoint-row]");
    await page.click("[data-testid=delete]");
    await page.click("[data-testid=delete-yes]");
    await page.waitForSelector("[data-testid=threads-page]");
    expect((await asAdmin.getTuple({ config: { threadId: thread } })).tuple).toBeUndefined();
  });
});
