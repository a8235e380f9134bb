import { describe, expect, test } from "@jest/globals";
import { loadConfig, usage } from "./load-config.js";
import { settingDefaults } from "./setting-defaults.js";
import { settings } from "./settings.js";

const entries = Object.entries(settings);

describe("the settings table", () => {
  test("flags are --kebab-case and environment names UPPER_SNAKE_CASE, each used once", () => {
    for (const [, s] of entries) {
      expect(s.flag).toMatch(/^--[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
      expect(s.env).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
    }
    const flags = entries.map(([, s]) => s.flag);
    const envs = entries.map(([, s]) => s.env);
    expect(new Set(flags).size).toBe(flags.length);
    expect(new Set(envs).size).toBe(envs.length);
    expect(flags).not.toContain("--help");
  });

  test("every entry has a help sentence and a group", () => {
    for (const [key, s] of entries) {
      expect({ key, help: s.help.trim() === "", group: s.group.trim() === "" }).toEqual({ key, help: false, group: false });
    }
  });

  test("every default parses, and an empty command line and environment give exactly the defaults", () => {
    expect(Object.keys(settingDefaults).sort()).toEqual(entries.map(([key]) => key).sort());
    const { command, ...values } = loadConfig([], {});
    expect(command).toBe("serve");
    expect(values).toEqual(settingDefaults);
  });

  test("the defaults components fall back on cannot be changed at run time", () => {
    expect(Object.isFrozen(settingDefaults)).toBe(true);
    // A list default is shared by every component that falls back on it.
    expect(Object.isFrozen(settingDefaults.corsOrigins)).toBe(true);
  });
});

describe("the usage text", () => {
  const lines = usage.split("\n");

  test("lists every setting under its group, with its flag, environment variable and default on its first line (the help may wrap)", () => {
    for (const [, s] of entries) {
      const at = lines.findIndex((line) => line.startsWith(`  ${s.flag} `) || line === `  ${s.flag}`);
      expect({ flag: s.flag, found: at >= 0 }).toEqual({ flag: s.flag, found: true });
      expect(lines[at]).toContain(` ${s.env} `);
      const shown = s.default === "" ? (s.shownDefault ?? "unset") : s.default;
      // The default ends the entry, which may wrap onto the next lines.
      const entry = [lines[at]!];
      for (const line of lines.slice(at + 1)) {
        if (!line.startsWith("      ")) break;
        entry.push(line.trim());
      }
      expect(entry.join(" ")).toContain(`(default ${shown})`);
      const header = lines
        .slice(0, at)
        .reverse()
        .find((line) => /^\S.*:$/.test(line));
      expect({ flag: s.flag, header }).toEqual({ flag: s.flag, header: `${s.group}:` });
    }
  });

  test("drops the README's backticks and fits in 100 columns", () => {
    expect(usage).not.toContain("`");
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
  });

  test("names the commands and --help", () => {
    expect(lines[0]).toBe("Usage: checkpointd [serve|migrate|health|sweep] [options]");
    for (const word of ["  serve ", "  migrate ", "  health ", "  sweep ", "-h, --help"]) expect(usage).toContain(word);
  });
});
