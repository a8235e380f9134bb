import { parseArgs } from "node:util";
import { ConfigError } from "./config-error.js";
import { renderUsage } from "./render-usage.js";
import { settings, type SettingsValues } from "./settings.js";

export { ConfigError } from "./config-error.js";

/** Every setting's value (see settings.ts), and the command. */
export interface CheckpointdConfig extends SettingsValues {
  command: "serve" | "migrate" | "health" | "help";
}

/** `checkpointd --help`. */
export const usage = renderUsage(settings);

const commands = ["serve", "migrate", "health"] as const;

type FlagOptions = Record<string, { type: "string" | "boolean"; short?: string }>;

const flagOptions: FlagOptions = {
  ...Object.fromEntries(Object.values(settings).map((s) => [s.flag.slice(2), { type: s.parse.flagType }])),
  help: { type: "boolean", short: "h" },
};

/**
 * The configuration from the command line and the environment: for each setting its flag, else its
 * environment variable, else its default. A bad value is a ConfigError naming where it came from
 * (the flag or the variable); a bad variable that a flag overrides is never read.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): CheckpointdConfig {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: flagOptions });
  } catch (error) {
    throw new ConfigError(`arguments: ${(error as Error).message} (see --help)`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new ConfigError(`arguments: unexpected "${positionals.slice(1).join(" ")}" (see --help)`);
  const command = positionals[0] ?? "serve";
  if (!(commands as readonly string[]).includes(command)) {
    throw new ConfigError(`command: unknown command "${command}" (serve, migrate or health)`);
  }

  const config: Record<string, unknown> = { command: values.help === true ? "help" : command };
  for (const [key, setting] of Object.entries(settings)) {
    const flag = values[setting.flag.slice(2)];
    const fromEnv = env[setting.env];
    const [raw, source] =
      flag !== undefined
        ? [String(flag), setting.flag]
        : fromEnv !== undefined
          ? [fromEnv, setting.env]
          : [setting.default, `${setting.env} (default)`];
    config[key] = setting.parse.parse(raw, source);
  }
  return config as unknown as CheckpointdConfig;
}
