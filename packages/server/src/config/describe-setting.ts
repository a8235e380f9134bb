import type { Setting, SettingTable } from "./define-settings.js";

const metavarOf = (setting: Setting<unknown>) => setting.metavar ?? setting.parse.metavar;

/** The shown default: the raw text, or the entry's word for "" ("unset" unless it says otherwise). */
export function shownDefault(setting: Setting<unknown>): { text: string; literal: boolean } {
  return setting.default === "" ? { text: setting.shownDefault ?? "unset", literal: false } : { text: setting.default, literal: true };
}

/** The help sentence, with the accepted words added when the metavar does not already list them. */
export function fullHelp(setting: Setting<unknown>): string {
  const { choices } = setting.parse;
  if (choices === undefined || metavarOf(setting) === choices.join("|")) return setting.help;
  return `${setting.help}: ${choices.map((c) => `\`${c}\``).join(", ")}`;
}

/** The flag as typed: `--port PORT`, or `--redis-cluster` for a switch. */
export function flagUsage(setting: Setting<unknown>): string {
  const metavar = metavarOf(setting);
  return setting.parse.flagType === "boolean" || metavar === "" ? setting.flag : `${setting.flag} ${metavar}`;
}

/** The table's entries by group, groups in order of first appearance. */
export function byGroup(table: SettingTable): [string, Setting<unknown>[]][] {
  const groups = new Map<string, Setting<unknown>[]>();
  for (const setting of Object.values(table)) {
    const group = groups.get(setting.group) ?? [];
    group.push(setting);
    groups.set(setting.group, group);
  }
  return [...groups];
}
