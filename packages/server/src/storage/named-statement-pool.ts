import { createHash } from "node:crypto";
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from "kysely";

/** What the pool needs of a pg client: pg's query with a statement name. */
interface NamingClient {
  query<R>(text: string, values: readonly unknown[]): Promise<PostgresQueryResult<R>>;
  query<R>(config: { name: string; text: string; values: readonly unknown[] }): Promise<PostgresQueryResult<R>>;
  query(cursor: never): unknown;
  release(destroy?: boolean): void;
}

export interface NamedStatementPoolOptions {
  /**
   * At most this many distinct statement texts get a name in this process. PostgreSQL keeps
   * each named statement parsed (and, after a few runs, planned) on every connection that ran
   * it, so the set stays small: the shapes of the hot single-call statements, not every group.
   */
  maxStatements: number;
  /** Told once when the database refuses named statements (a transaction-mode pooler) and naming stops. */
  onDisabled?: ((error: Error) => void) | undefined;
}

/**
 * Longer texts are never named nor remembered: they are the grouped writes, whose text changes with
 * the group's size, so they would not come again, and remembering them (up to 16 × maxStatements
 * texts; a group of 64 Puts is 13.5 KB of SQL) held megabytes of text for nothing.
 */
const maxNamedTextLength = 8192;

/** A pooler that routes statements to other backends answers a named Bind or Parse with one of these. */
const poolerRefusals = new Set(["26000", "42P05"]);

/**
 * Gives the statements Kysely runs again and again outside an explicit transaction a name, so
 * pg parses each on a connection once and PostgreSQL reuses the parse and
 * plan (an unnamed statement is parsed and planned on every call). Inside a
 * transaction statements stay unnamed: a refusal there would abort the
 * transaction. Behind a transaction-mode pooler (PgBouncer before 1.21) a
 * named statement can reach a backend that never parsed it: the first such
 * refusal turns naming off for good and the statement runs again unnamed,
 * which is safe because a refused Parse or Bind ran nothing.
 */
export function createNamedStatementPool(pool: PostgresPool, options: NamedStatementPoolOptions): PostgresPool {
  const names = new Map<string, string>();
  let enabled = true;
  /** Texts run once so far: a text is named when it comes again, so one-off statements (migrations) use no name. */
  const seenOnce = new Set<string>();

  function nameOf(text: string): string | undefined {
    if (!enabled || text.length > maxNamedTextLength) return undefined;
    const name = names.get(text);
    if (name !== undefined || names.size >= options.maxStatements) return name;
    if (!seenOnce.has(text)) {
      if (seenOnce.size >= options.maxStatements * 16) seenOnce.clear();
      seenOnce.add(text);
      return undefined;
    }
    seenOnce.delete(text);
    const named = `cpd_${createHash("sha1").update(text).digest("hex").slice(0, 24)}`;
    names.set(text, named);
    return named;
  }

  function wrap(client: NamingClient): PostgresPoolClient {
    let inTransaction = false;
    const query = async <R>(text: string, values: readonly unknown[]): Promise<PostgresQueryResult<R>> => {
      const keyword = text.slice(0, 9).trimStart().toLowerCase();
      if (keyword.startsWith("begin") || keyword.startsWith("start")) inTransaction = true;
      else if (keyword.startsWith("commit") || keyword.startsWith("rollback")) inTransaction = false;
      const name = inTransaction ? undefined : nameOf(text);
      if (name === undefined) return client.query<R>(text, values);
      try {
        return await client.query<R>({ name, text, values });
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code !== "string" || !poolerRefusals.has(code)) throw error;
        if (enabled) {
          enabled = false;
          options.onDisabled?.(error as Error);
        }
        return client.query<R>(text, values);
      }
    };
    return {
      query: ((first: unknown, values?: readonly unknown[]) =>
        typeof first === "string" ? query(first, values ?? []) : client.query(first as never)) as PostgresPoolClient["query"],
      release: (destroy?: boolean) => client.release(destroy),
    };
  }

  return {
    options: pool.options,
    connect: async () => wrap((await pool.connect()) as unknown as NamingClient),
    end: () => pool.end(),
  };
}
