import { readFile, writeFile } from "node:fs/promises";
import type { SettingTable } from "./define-settings.js";
import { byGroup, fullHelp, shownDefault } from "./describe-setting.js";

export const settingsStart = "<!-- settings:start -->";
export const settingsEnd = "<!-- settings:end -->";
export const regenerateCommand = "pnpm settings:readme";

const cell = (text: string) => text.replaceAll("|", "\\|");

/** The README's configuration tables, one per group, between (and including) the markers. */
export function renderSettingsBlock(table: SettingTable): string {
  const groups = byGroup(table).map(([group, settings]) =>
    [
      `**${group}**`,
      "",
      "| flag | environment | default | |",
      "|---|---|---|---|",
      ...settings.map((s) => {
        const shown = shownDefault(s);
        const value = shown.literal ? `\`${shown.text}\`` : shown.text;
        return `| \`${s.flag}\` | \`${s.env}\` | ${cell(value)} | ${cell(fullHelp(s))} |`;
      }),
    ].join("\n"),
  );
  const note = `<!-- Generated from packages/server/src/config/settings.ts by \`${regenerateCommand}\`: edit that table, not this one. -->`;
  return [settingsStart, note, "", ...groups.flatMap((g) => [g, ""]), settingsEnd].join("\n");
}

/** The text between the markers, markers included; throws when they are missing or out of order. */
export function settingsBlockOf(readme: string): string {
  const start = readme.indexOf(settingsStart);
  const end = readme.indexOf(settingsEnd);
  if (start < 0 || end < start) throw new Error(`README.md has no ${settingsStart} ... ${settingsEnd} block`);
  return readme.slice(start, end + settingsEnd.length);
}

/** `readme` with its settings block replaced by `block`. */
export function replaceSettingsBlock(readme: string, block: string): string {
  const current = settingsBlockOf(readme);
  const start = readme.indexOf(current);
  return readme.slice(0, start) + block + readme.slice(start + current.length);
}

/** Rewrites the README file's settings block from the table; true when the file changed. */
export async function writeReadmeSettings(readmePath: string, table: SettingTable): Promise<boolean> {
  const readme = await readFile(readmePath, "utf8");
  const updated = replaceSettingsBlock(readme, renderSettingsBlock(table));
  if (updated === readme) return false;
  await writeFile(readmePath, updated);
  return true;
}
