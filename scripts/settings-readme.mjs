// Rewrites README.md's configuration table from packages/server/src/config/settings.ts
// (run through `pnpm settings:readme`, which builds first).
import { fileURLToPath } from "node:url";
import { writeReadmeSettings } from "../packages/server/dist/config/readme-settings.js";
import { settings } from "../packages/server/dist/config/settings.js";

const readme = fileURLToPath(new URL("../README.md", import.meta.url));
const changed = await writeReadmeSettings(readme, settings);
console.log(changed ? "README.md: configuration table updated" : "README.md: configuration table already up to date");
