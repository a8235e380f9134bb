// The browser tests' helpers: headless system Chromium through puppeteer-core.
export { findChromium, launchChromium } from "./launch-chromium.js";
