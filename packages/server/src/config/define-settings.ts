import type { SettingParser } from "./setting-parser.js";

/** One setting of the server: everything the usage text, the parsed config and the README's table say of it. */
export interface Setting<T> {
  /** `--kebab-case`. */
  readonly flag: `--${string}`;
  /** UPPER_SNAKE_CASE. */
  readonly env: string;
  /** Raw text, parsed like a user's; "" is the empty value (unset, for URLs and optional paths). */
  readonly default: string;
  /** How the default is shown when it is "" (default "unset"). */
  readonly shownDefault?: string;
  readonly parse: SettingParser<T>;
  /** One sentence; `backticks` mark literals (kept in the README, dropped in --help). */
  readonly help: string;
  /** Settings are listed by group, groups in order of first appearance. */
  readonly group: string;
  /** Overrides the parser's metavar in the usage text. */
  readonly metavar?: string;
}

export type SettingTable = Readonly<Record<string, Setting<unknown>>>;

/** The typed values of a table: one property per entry, its type what the entry's parser returns. */
export type SettingValues<Table extends SettingTable> = {
  -readonly [K in keyof Table]: Table[K]["parse"] extends SettingParser<infer T> ? T : never;
};

/** A property an entry has but Setting does not (a misspelt `metavar`, say) becomes `never`: a compile error. */
type NoExtraKeys<Table> = { [K in keyof Table]: { readonly [P in Exclude<keyof Table[K], keyof Setting<unknown>>]: never } };

/** Keeps the table's precise entry types (for SettingValues) while checking each entry's shape. */
export function defineSettings<const Table extends SettingTable>(table: Table & NoExtraKeys<Table>): Table {
  return table;
}
