import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "@jest/globals";
import { defineSettings } from "./define-settings.js";
import { integer } from "./number-parsers.js";
import { regenerateCommand, renderSettingsBlock, replaceSettingsBlock, settingsBlockOf } from "./readme-settings.js";
import { oneOf, text } from "./setting-parser.js";
import { settings } from "./settings.js";

const readmePath = fileURLToPath(new URL("../../../../README.md", import.meta.url));

describe("README.md's configuration table", () => {
  test("is the one the settings table produces", () => {
    const current = settingsBlockOf(readFileSync(readmePath, "utf8"));
    try {
      expect(current).toBe(renderSettingsBlock(settings));
    } catch (error) {
      // The failure says how to fix it, above jest's diff.
      if (error instanceof Error)
        error.message = `README.md's configuration table is stale: run \`${regenerateCommand}\`\n\n${error.message}`;
      throw error;
    }
  });

  test("lists every setting's flag, environment variable and default", () => {
    const block = settingsBlockOf(readFileSync(readmePath, "utf8"));
    for (const s of Object.values(settings)) {
      const row = block.split("\n").find((line) => line.startsWith(`| \`${s.flag}\` | \`${s.env}\` | `));
      expect({ flag: s.flag, row }).toEqual({
        flag: s.flag,
        row: expect.stringContaining(s.default === "" ? (s.shownDefault ?? "unset") : s.default),
      });
    }
  });
});

describe("renderSettingsBlock", () => {
  const table = defineSettings({
    a: { flag: "--a-b", env: "A_B", default: "1", parse: integer(0, 9), help: "a `literal` | pipe", group: "First" },
    c: { flag: "--c", env: "C", default: "", shownDefault: "none", parse: text(), help: "c", group: "Second" },
    d: { flag: "--d", env: "D", default: "x", parse: oneOf(["x", "y"], "MODE"), help: "d", group: "First" },
  });

  test("one table per group, in order of first appearance; literals in backticks; pipes escaped; choices listed", () => {
    const block = renderSettingsBlock(table);
    expect(block.split("\n").filter((l) => l.startsWith("**"))).toEqual(["**First**", "**Second**"]);
    expect(block).toContain("| `--a-b` | `A_B` | `1` | a `literal` \\| pipe |");
    expect(block).toContain("| `--d` | `D` | `x` | d: `x`, `y` |");
    expect(block).toContain("| `--c` | `C` | none | c |");
    expect(block.indexOf("`--d`")).toBeLessThan(block.indexOf("**Second**"));
  });

  test("replaces only what is between the markers", () => {
    const readme = "before\n<!-- settings:start -->\nold\n<!-- settings:end -->\nafter\n";
    const updated = replaceSettingsBlock(readme, renderSettingsBlock(table));
    expect(updated.startsWith("before\n<!-- settings:start -->\n")).toBe(true);
    expect(updated.endsWith("<!-- settings:end -->\nafter\n")).toBe(true);
    expect(updated).not.toContain("old");
    expect(settingsBlockOf(updated)).toBe(renderSettingsBlock(table));
  });

  test("a README without the markers is an error, not a silent no-op", () => {
    expect(() => replaceSettingsBlock("no markers here", "x")).toThrow(/settings:start/);
    expect(() => settingsBlockOf("<!-- settings:end --> <!-- settings:start -->")).toThrow(/settings:start/);
  });
});
