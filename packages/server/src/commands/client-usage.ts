import { clientFlags } from "./client-flags.js";
import { clientVerbs } from "./client-verbs.js";
import type { Verb } from "./verb.js";

const optionLine = (flag: string, help: string, width: number) => `  ${flag.padEnd(width)}${help}`;

function flagsOf(verb: Verb): [string, string][] {
  return Object.entries(verb.options ?? {}).map(([name, o]) => [
    `--${name}${o.type === "string" ? ` ${o.metavar ?? "VALUE"}` : ""}`,
    o.help,
  ]);
}

const commonFlags: [string, string][] = Object.values(clientFlags).map((f) => [
  `${f.flag}${f.type === "string" ? " VALUE" : ""}`,
  `${f.help.replaceAll("`", "")} (${f.env})`,
]);

/** The client verbs' part of `checkpointd --help`. */
export function clientVerbsUsage(): string {
  const width = Math.max(...clientVerbs.map((v) => v.name.length)) + 2;
  const flagWidth = Math.max(...commonFlags.map(([f]) => f.length)) + 2;
  return [
    "Client commands (talk to a running server; `checkpointd COMMAND --help` for each one's flags):",
    ...clientVerbs.map((v) => `  ${v.name.padEnd(width)}${v.summary}`),
    "",
    "Flags of every client command:",
    ...commonFlags.map(([f, h]) => optionLine(f, h, flagWidth)),
    "",
  ].join("\n");
}

/** `checkpointd VERB --help`. */
export function verbUsage(verb: Verb): string {
  const own = flagsOf(verb);
  const width = Math.max(...[...own, ...commonFlags].map(([f]) => f.length)) + 2;
  return [
    `Usage: checkpointd ${verb.name}${verb.synopsis === "" ? "" : ` ${verb.synopsis}`} [flags]`,
    "",
    verb.summary,
    "",
    ...(own.length === 0 ? [] : ["Flags:", ...own.map(([f, h]) => optionLine(f, h, width)), ""]),
    "Client flags:",
    ...commonFlags.map(([f, h]) => optionLine(f, h, width)),
    "",
  ].join("\n");
}
