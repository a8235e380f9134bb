import { settings, type SettingsValues } from "./settings.js";

function parseDefaults(): SettingsValues {
  const entries = Object.entries(settings).map(([key, s]) => [key, Object.freeze(s.parse.parse(s.default, `${s.env} (default)`))]);
  return Object.fromEntries(entries) as SettingsValues;
}

/**
 * Each setting's default value, parsed from the table: what a component falls back on when a
 * library user leaves an option out (the CLI always passes every value).
 */
export const settingDefaults: Readonly<SettingsValues> = Object.freeze(parseDefaults());
