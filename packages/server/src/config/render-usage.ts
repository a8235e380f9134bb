import type { SettingTable } from "./define-settings.js";
import { byGroup, flagUsage, fullHelp, shownDefault } from "./describe-setting.js";

const commands: [string, string][] = [
  ["serve", "run the gRPC server (default)"],
  ["migrate", "bring the database schema up to date and exit"],
  ["health", "ask the server at --host/--port for its health; exit 0 if SERVING"],
  ["sweep", "--once [--dry-run] [--json]: one retention pass now with these settings; prints counts"],
];

const width = 100;

/** Words of `text` in lines of at most `room` characters (a longer word gets a line of its own). */
function wrap(text: string, room: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line !== "" && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  return [...lines, line];
}

/** `checkpointd --help`: the commands, then every setting by group with its flag, environment variable and default. */
export function renderUsage(table: SettingTable): string {
  const rows = byGroup(table).map(([group, settings]) => ({
    group,
    rows: settings.map((s) => {
      const shown = shownDefault(s);
      return [flagUsage(s), s.env, `${fullHelp(s).replaceAll("`", "")} (default ${shown.text})`] as const;
    }),
  }));
  const all = rows.flatMap((g) => g.rows);
  const flagWidth = Math.max(...all.map(([flag]) => flag.length), "-h, --help".length) + 2;
  const envWidth = Math.max(...all.map(([, env]) => env.length)) + 2;
  const indent = 2 + flagWidth + envWidth;
  const option = (flag: string, env: string, help: string) =>
    wrap(help, Math.max(width - indent, 30))
      .map((line, i) => (i === 0 ? `  ${flag.padEnd(flagWidth)}${env.padEnd(envWidth)}${line}` : `${" ".repeat(indent)}${line}`))
      .join("\n");
  const commandWidth = Math.max(...commands.map(([c]) => c.length)) + 2;
  return [
    "Usage: checkpointd [serve|migrate|health|sweep] [options]",
    "",
    "Commands:",
    ...commands.map(([c, help]) => `  ${c.padEnd(commandWidth)}${help}`),
    "",
    "Options (flag, then environment variable; the flag wins over the variable):",
    ...rows.flatMap((g) => ["", `${g.group}:`, ...g.rows.map(([flag, env, help]) => option(flag, env, help))]),
    "",
    option("-h, --help", "", "this text"),
    "",
  ].join("\n");
}
