import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { seedLongThread } from "@checkpointd/test-support";
import { launchChromium } from "@checkpointd/test-support/browser";
import { runTestProcess } from "@checkpointd/test-support/langgraph";
import { startTestServer, type TestServer } from "@checkpointd/test-support/server";

// Screenshots of every page, for people to look at: <repo>/tmp/ui-screenshots (gitignored).
const shots = fileURLToPath(new URL("../../../tmp/ui-screenshots/", import.meta.url));
mkdirSync(shots, { recursive: true });

type Browser = Awaited<ReturnType<typeof launchChromium>>;
type Page = Awaited<ReturnType<Browser["newPage"]>>;

describe("the web inspector at /ui/, in headless Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let base: string;
  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  const texts = (selector: string) => page.$$eval(selector, (nodes) => nodes.map((n) => n.textContent ?? ""));

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer("postgres", undefined, { listPageSize: 100 }), launchChromium()]);
    base = `http://127.0.0.1:${server.httpPort}/ui/`;
    page = await browser.newPage();
    page.setDefaultTimeout(20_000);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("serves the page: html revalidated, hashed assets immutable, nothing outside the build", async () => {
    const index = await fetch(base);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(index.headers.get("cache-control")).toBe("no-cache");
    const html = await index.text();
    const script = /src="(app-[A-Z0-9]{8}\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(base + script);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect((await fetch(base.replace(/\/$/, ""), { redirect: "manual" })).headers.get("location")).toBe("/ui/");
    for (const probe of ["..%2f..%2fpackage.json", "%2e%2e/%2e%2e/package.json", "nope.js", "%zz"]) {
      expect((await fetch(base + probe)).status).toBe(404);
    }
    expect((await fetch(base, { method: "POST" })).status).toBe(405);
  });

  it("finds an interrupted LangGraph run, answers it, and shows the second worker's checkpoints live", async () => {
    const stamp = Date.now();
    const thread = `review-${stamp}`;
    const address = server.address;
    // Two threads, so that the metadata search has one to leave out: only the first began with updateState.
    const [first, decoy] = await Promise.all([
      runTestProcess("run-review-worker", { address, thread, mode: "start", worker: "worker-1" }).done,
      runTestProcess("run-review-worker", { address, thread: `${thread}-other`, mode: "plain", worker: "worker-1" }).done,
    ]);
    expect(first.next).toEqual(["review"]);
    expect(decoy.next).toEqual(["review"]);

    // The page loads and lists the thread in under a second on loopback.
    const started = Date.now();
    await page.goto(base, { waitUntil: "domcontentloaded" });
    await page.waitForSelector(`[data-testid=thread-row][data-thread="${thread}"]`);
    const loadMs = Date.now() - started;
    expect(loadMs).toBeLessThan(1000);
    await shot("1-threads");

    // Search by metadata containment.
    await page.type("input[name=filter]", JSON.stringify({ source: "update" }));
    await page.click("form.search button[type=submit]");
    await page.waitForFunction(
      (t) => [...document.querySelectorAll("[data-testid=thread-row]")].map((r) => r.getAttribute("data-thread")).join() === t,
      {},
      thread,
    );
    await shot("2-threads-search");
    // And by thread-id prefix (here: only the decoy's id starts so).
    await page.focus("input[name=filter]");
    await page.keyboard.down("Control");
    await page.keyboard.press("KeyA");
    await page.keyboard.up("Control");
    await page.keyboard.press("Backspace");
    await page.type("input[name=prefix]", `${thread}-o`);
    await page.click("form.search button[type=submit]");
    await page.waitForFunction(
      (t) => [...document.querySelectorAll("[data-testid=thread-row]")].map((r) => r.getAttribute("data-thread")).join() === t,
      {},
      `${thread}-other`,
    );
    await page.goto(base, { waitUntil: "domcontentloaded" });
    await page.waitForSelector(`[data-testid=thread-row][data-thread="${thread}"]`);

    // The thread: the interrupt's value, then an answer through Resume.
    await page.click(`[data-testid=thread-row][data-thread="${thread}"] a`);
    await page.waitForSelector("[data-testid=interrupt-value]");
    expect(await texts("[data-testid=interrupt-value]")).toEqual([expect.stringContaining("Send the draft reply?")]);
    const rowsBefore = await page.$$eval("[data-testid=checkpoint-row]", (rows) => rows.length);
    await shot("3-thread-interrupted");
    const worker2 = runTestProcess("run-review-worker", { address, thread, mode: "resume", worker: "worker-2" });
    await page.type("textarea[name=answer]", "yes, send it");
    await page.click("[data-testid=send-resume]");
    await page.waitForSelector("[data-testid=resume-status][data-claimed=yes]");
    expect(await texts("[data-testid=resume-status]")).toEqual([expect.stringContaining("claimed by worker-2")]);
    const second = await worker2.done;
    expect(second.resume).toBe("yes, send it");
    expect(second.messages).toEqual([
      "Where is my parcel?",
      "Draft reply to: Where is my parcel?",
      "Reviewer said: yes, send it",
      "Reply sent.",
    ]);

    // The second worker's checkpoints appear without a reload.
    const latest = (await server.client.getTuple({ config: { threadId: thread } })).tuple!.config!.checkpointId;
    await page.waitForSelector(`[data-testid=checkpoint-row][data-checkpoint="${latest}"]`);
    expect(await page.$$eval("[data-testid=checkpoint-row]", (rows) => rows.length)).toBeGreaterThan(rowsBefore);
    await page.waitForFunction(() => document.querySelector("[data-testid=interrupt-value]") === null);
    await shot("4-thread-finished");

    // A checkpoint: its messages decoded.
    await page.click(`[data-testid=checkpoint-row][data-checkpoint="${latest}"] a`);
    await page.waitForSelector("[data-testid=channel][data-channel=messages] [data-testid=message]");
    expect(await texts("[data-testid=channel][data-channel=messages] [data-testid=message] .content")).toEqual(second.messages);
    await shot("5-checkpoint");

    // The diff of the interrupted checkpoint and the last one: the messages the resume added.
    await page.goBack();
    await page.waitForSelector(`[data-testid=checkpoint-row][data-checkpoint="${latest}"]`);
    await page.click(`[data-testid=checkpoint-row][data-checkpoint="${latest}"] input[type=checkbox]`);
    const picked = await page.$$eval("[data-testid=checkpoint-row]", (rows) =>
      rows.map((r) => ({ id: r.getAttribute("data-checkpoint"), step: r.children[4]?.textContent })),
    );
    const atInterrupt = picked.find((r) => r.step === "1")!.id!;
    await page.click(`[data-testid=checkpoint-row][data-checkpoint="${atInterrupt}"] input[type=checkbox]`);
    await page.click("[data-testid=diff-link]");
    await page.waitForSelector("[data-testid=added-messages]");
    expect(await texts("[data-testid=added-messages] [data-testid=message] .content")).toEqual([
      "Reviewer said: yes, send it",
      "Reply sent.",
    ]);
    await shot("6-diff");
  });

  it("pages the threads list, most recently active first", async () => {
    const prefix = `paged-${Date.now()}-`;
    const threads = Array.from({ length: 30 }, (_, i) => `${prefix}${String(i).padStart(2, "0")}`);
    const id = (i: number) => `1f0c0000-0000-6000-8000-${String(Date.now() % 1e6).padStart(6, "0")}${String(i).padStart(6, "0")}`;
    await server.client.batch({
      calls: threads.map((threadId, i) => ({
        call: {
          case: "put" as const,
          value: {
            config: { threadId },
            checkpoint: { v: 4, id: id(i), ts: new Date().toISOString() },
            metadata: { source: "input", step: -1 },
          },
        },
      })),
    });
    await page.goto(`${base}#/threads?prefix=${prefix}`, { waitUntil: "domcontentloaded" });
    await page.waitForSelector("[data-testid=more-threads]");
    const rows = () => page.$$eval("[data-testid=thread-row]", (r) => r.map((row) => row.getAttribute("data-thread")));
    expect(await rows()).toEqual([...threads].reverse().slice(0, 25));
    await page.click("[data-testid=more-threads]");
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=thread-row]").length === 30);
    expect(await rows()).toEqual([...threads].reverse());
    expect(await page.$("[data-testid=more-threads]")).toBeNull();
  });

  it("shows namespaces and raw bytes, and copies, prunes and deletes a thread after confirmation", async () => {
    const thread = `actions-${Date.now()}`;
    const version = (n: number) => ({ kind: { case: "intValue" as const, value: BigInt(n) } });
    const put = (ns: string, n: number, parent: string) => ({
      config: { threadId: thread, checkpointNs: ns, checkpointId: parent },
      checkpoint: {
        v: 4,
        id: `1f0d0000-0000-6000-8000-00000000000${n}`,
        ts: new Date().toISOString(),
        channelValues: { blob: { type: "bytes", data: Uint8Array.of(0xde, 0xad, 0xbe, 0xef, n) } },
        channelVersions: { blob: version(n) },
      },
      metadata: { source: "loop", step: n },
      newVersions: { blob: version(n) },
    });
    for (const [ns, n, parent] of [
      ["", 1, ""],
      ["", 2, "1f0d0000-0000-6000-8000-000000000001"],
      ["sub:1", 3, ""],
      ["sub:1", 4, "1f0d0000-0000-6000-8000-000000000003"],
    ] as const) {
      await server.client.put(put(ns, n, parent));
    }
    const rowIds = () => page.$$eval("[data-testid=checkpoint-row]", (rows) => rows.map((r) => r.getAttribute("data-checkpoint")));
    const waitRows = (n: number) =>
      page.waitForFunction((k) => document.querySelectorAll("[data-testid=checkpoint-row]").length === k, {}, n);
    await page.goto(`${base}#/thread?thread=${thread}`, { waitUntil: "domcontentloaded" });
    await waitRows(4);
    await page.waitForFunction(() =>
      [...(document.querySelector("select[name=ns]") as HTMLSelectElement).options].some((o) => o.value === "sub:1"),
    );
    await page.select("select[name=ns]", "sub:1");
    await waitRows(2);
    expect(await rowIds()).toEqual(["1f0d0000-0000-6000-8000-000000000004", "1f0d0000-0000-6000-8000-000000000003"]);
    await page.click("[data-testid=checkpoint-row] a");
    await page.waitForSelector("[data-testid=channel][data-channel=blob] pre.hex");
    expect(await texts("[data-testid=channel][data-channel=blob] pre.hex")).toEqual(["dead beef 04"]);
    await shot("9-checkpoint-bytes");

    // Copy (fork): asks first; Cancel does nothing.
    await page.goto(`${base}#/thread?thread=${thread}`, { waitUntil: "domcontentloaded" });
    await waitRows(4);
    await page.click("[data-testid=delete]");
    await page.waitForSelector("[data-testid=delete-confirm]");
    await shot("10-confirm-delete");
    await page.click("[data-testid=delete-confirm] button:not(.danger)");
    expect((await server.client.getTuple({ config: { threadId: thread } })).tuple).toBeDefined();
    await page.click("[data-testid=copy]");
    await page.click("[data-testid=copy-yes]");
    await page.waitForFunction((t) => location.hash.includes(encodeURIComponent(`${t}-copy`)), {}, thread);
    await waitRows(4);
    // Subscribed, whether or not the copy has events of its own.
    await page.waitForFunction(() => document.querySelector("[data-testid=live-status]")?.textContent?.startsWith("live"));
    expect(
      (await server.client.getTuple({ config: { threadId: `${thread}-copy`, checkpointNs: "sub:1" } })).tuple?.config?.checkpointId,
    ).toBe("1f0d0000-0000-6000-8000-000000000004");

    // Prune: the latest of each namespace stays.
    await page.click("[data-testid=prune]");
    await page.click("[data-testid=prune-yes]");
    await waitRows(2);
    expect(await rowIds()).toEqual(["1f0d0000-0000-6000-8000-000000000004", "1f0d0000-0000-6000-8000-000000000002"]);

    // Delete: back to the threads, and the copy is gone; the original stays.
    await page.click("[data-testid=delete]");
    await page.click("[data-testid=delete-yes]");
    await page.waitForSelector("[data-testid=threads-page]");
    expect((await server.client.getTuple({ config: { threadId: `${thread}-copy` } })).tuple).toBeUndefined();
    expect((await server.client.getTuple({ config: { threadId: thread } })).tuple).toBeDefined();
  });

  it("sends the login token as authorization: Bearer on every call, keeps it in sessionStorage only, and forgets it on log out", async () => {
    const seen: (string | undefined)[] = [];
    const onRequest = (request: { url(): string; headers(): Record<string, string> }) => {
      if (request.url().includes("/checkpointd.v1.CheckpointService/")) seen.push(request.headers().authorization);
    };
    page.on("request", onRequest);
    try {
      await page.goto(base, { waitUntil: "domcontentloaded" });
      await page.evaluate(() => sessionStorage.setItem("checkpointd.token", "t0k3n"));
      seen.length = 0;
      await page.reload({ waitUntil: "domcontentloaded" });
      await page.waitForSelector("[data-testid=threads-page][data-loaded=yes]");
      expect(seen.length).toBeGreaterThan(0);
      expect(new Set(seen)).toEqual(new Set(["Bearer t0k3n"]));
      expect(await page.evaluate(() => [localStorage.length, document.cookie, location.href.includes("t0k3n")])).toEqual([0, "", false]);
      await shot("0-logged-in");

      await page.click("header button.link");
      await page.waitForSelector("[data-testid=threads-page][data-loaded=yes]");
      seen.length = 0;
      await page.click("form.search button[type=submit]");
      await page.reload({ waitUntil: "domcontentloaded" });
      await page.waitForSelector("[data-testid=threads-page][data-loaded=yes]");
      expect(seen.length).toBeGreaterThan(0);
      expect(new Set(seen)).toEqual(new Set([undefined]));
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    } finally {
      page.off("request", onRequest);
    }
  });

  it("pages through a 10,000-checkpoint thread and stays responsive", async () => {
    const thread = `long-${Date.now()}`;
    const seeded = await seedLongThread(server.client, thread, { count: 10_000, branch: 3 });
    // Opened as a user does, from the threads page (found by its id): the page's own files are cached by then (immutable).
    await page.goto(`${base}#/threads?prefix=${thread}`, { waitUntil: "domcontentloaded" });
    await page.waitForSelector(`[data-testid=thread-row][data-thread="${thread}"]`);
    // The threads page's scan has ended (it reads through the long thread): what is timed is the thread page alone.
    await page.waitForSelector("[data-testid=threads-page][data-loaded=yes]");
    const started = Date.now();
    await page.click(`[data-testid=thread-row][data-thread="${thread}"] a`);
    await page.waitForSelector(`[data-testid=checkpoint-row][data-checkpoint="${seeded.branch[0]}"]`);
    const firstPageMs = Date.now() - started;
    expect(firstPageMs).toBeLessThan(1000);
    // The fork is drawn: the branch joins the main line at its parent.
    await page.waitForSelector("[data-testid=checkpoint-row].forked");
    await shot("7-long-thread");

    const pageMs: number[] = [];
    for (let n = 1; n <= 5; n++) {
      const rows = await page.$eval("[data-testid=timeline]", (t) => Number(t.getAttribute("data-rows")));
      const t0 = Date.now();
      await page.evaluate(() => document.querySelector(".sentinel")?.scrollIntoView());
      await page.waitForFunction((r) => Number(document.querySelector("[data-testid=timeline]")?.getAttribute("data-rows")) > r, {}, rows);
      pageMs.push(Date.now() - t0);
    }
    const rows = await page.$eval("[data-testid=timeline]", (t) => Number(t.getAttribute("data-rows")));
    // Pages, not the whole history: 6 pages of 50 were loaded.
    expect(rows).toBe(300);
    expect(Math.max(...pageMs)).toBeLessThan(1000);
    // The main thread answers: a frame comes within 200 ms.
    const frameMs = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const t = performance.now();
          requestAnimationFrame(() => resolve(performance.now() - t));
        }),
    );
    expect(frameMs).toBeLessThan(200);
    process.stdout.write(`inspector: first page ${firstPageMs} ms, next pages ${pageMs.join(", ")} ms, frame ${Math.round(frameMs)} ms\n`);
    await shot("8-long-thread-scrolled");
  });
});
