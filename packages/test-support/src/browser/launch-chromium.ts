import { existsSync } from "node:fs";
import { launch, type Browser } from "puppeteer-core";

const candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** The system's Chromium: $CHROMIUM_PATH, or Debian's `chromium` (scripts/test-prerequisites.sh installs it). Nothing downloads a browser. */
export function findChromium(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined)
    throw new Error("chromium is missing: run scripts/test-prerequisites.sh (Debian: apt-get install chromium) or set CHROMIUM_PATH");
  return found;
}

/** Headless Chromium for the browser tests, with a fixed window size so that screenshots compare. */
export function launchChromium(): Promise<Browser> {
  return launch({
    executablePath: findChromium(),
    headless: true,
    // Root in CI and containers: Chromium's sandbox needs user namespaces it may not have there.
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--window-size=1280,900"],
    defaultViewport: { width: 1280, height: 900 },
    timeout: 30_000,
  });
}
