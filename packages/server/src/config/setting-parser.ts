import { ConfigError } from "./config-error.js";

/**
 * Turns a setting's raw text (from its flag, its environment variable or its default) into its value.
 * `setting` is the name the raw text came from (`--port` or `PORT`); every error starts with it.
 */
export interface SettingParser<T> {
  /** How the value is written in the usage text: `N`, `URL`, `auto|off`. */
  readonly metavar: string;
  /** What a valid value looks like, for error messages: "an integer from 0 to 65535". */
  readonly expected: string;
  /** A boolean setting's flag takes no value: `--redis-cluster` means true. */
  readonly flagType: "string" | "boolean";
  /** The accepted words, when the value is one of a few. */
  readonly choices?: readonly string[];
  parse(raw: string, setting: string): T;
}

/** `setting: expected ..., got "raw"`: for values that are safe to echo. */
export function rejected(setting: string, expected: string, raw: string): ConfigError {
  return new ConfigError(`${setting}: expected ${expected}, got "${raw}"`);
}

/** Free text; with `nonEmpty`, blank text is an error. The value is kept as given (not trimmed). */
export function text(options: { metavar?: string; nonEmpty?: boolean } = {}): SettingParser<string> {
  return {
    metavar: options.metavar ?? "TEXT",
    expected: options.nonEmpty === true ? "non-empty text" : "text",
    flagType: "string",
    parse(raw, setting) {
      if (options.nonEmpty === true && raw.trim() === "") throw new ConfigError(`${setting}: must not be empty`);
      return raw;
    },
  };
}

/** A file or directory path, never blank. */
export function path(metavar = "PATH"): SettingParser<string> {
  return { ...text({ metavar, nonEmpty: true }), expected: "a path" };
}

/** A file or directory path; empty means unset (undefined). */
export function optionalPath(metavar = "PATH"): SettingParser<string | undefined> {
  return { metavar, expected: "a path", flagType: "string", parse: (raw) => (raw === "" ? undefined : raw) };
}

/** One of a few words, matched exactly (case-sensitive). */
export function oneOf<const T extends readonly [string, ...string[]]>(choices: T, metavar?: string): SettingParser<T[number]> {
  const expected = choices.length === 2 ? `${choices[0]} or ${choices[1]}` : `one of ${choices.join(", ")}`;
  return {
    metavar: metavar ?? choices.join("|"),
    expected,
    flagType: "string",
    choices,
    parse(raw, setting) {
      if (!(choices as readonly string[]).includes(raw)) throw rejected(setting, expected, raw);
      return raw as T[number];
    },
  };
}

/** A switch: its flag alone means true; its environment variable takes 1/0, true/false, yes/no, on/off or empty (false). */
export function boolean(): SettingParser<boolean> {
  const expected = "true or false";
  return {
    metavar: "",
    expected,
    flagType: "boolean",
    parse(raw, setting) {
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off|)$/i.test(raw)) return false;
      throw rejected(setting, expected, raw);
    },
  };
}

/** Comma-separated items, each trimmed; empty items are dropped, so empty text is the empty list. */
export function list<T = string>(item?: SettingParser<T>): SettingParser<T[]> {
  return {
    metavar: "LIST",
    expected: `a comma-separated list${item === undefined ? "" : ` of ${item.expected}`}`,
    flagType: "string",
    parse(raw, setting) {
      const items = raw
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
      return item === undefined ? (items as T[]) : items.map((s) => item.parse(s, setting));
    },
  };
}

/**
 * A URL with one of `schemes`; empty means unset (undefined). The raw text is never echoed in an
 * error (it may hold a password): only its scheme is.
 */
export function url(schemes: readonly [string, ...string[]], example: string): SettingParser<string | undefined> {
  const expected = `a ${schemes.map((s) => `${s}://`).join(" or ")} URL`;
  return {
    metavar: "URL",
    expected,
    flagType: "string",
    parse(raw, setting) {
      if (raw === "") return undefined;
      let parsed: URL;
      try {
        parsed = new URL(raw);
      } catch {
        throw new ConfigError(`${setting}: not a valid URL (expected ${example})`);
      }
      if (!schemes.includes(parsed.protocol.slice(0, -1))) {
        throw new ConfigError(`${setting}: expected ${expected}, got "${parsed.protocol}//"`);
      }
      return raw;
    },
  };
}

/** `off` switches the setting off (undefined); anything else goes to `inner`. */
export function orOff<T>(inner: SettingParser<T>): SettingParser<T | undefined> {
  const expected = `${inner.expected} or "off"`;
  return {
    metavar: `${inner.metavar}|off`,
    expected,
    flagType: "string",
    parse(raw, setting) {
      if (raw === "off") return undefined;
      try {
        return inner.parse(raw, setting);
      } catch (error) {
        if (error instanceof ConfigError) throw rejected(setting, expected, raw);
        throw error;
      }
    },
  };
}
