import { parseArgs } from "node:util";
import type { CheckpointdClient } from "@checkpointd/client";
import { Code, ConnectError } from "@connectrpc/connect";
import { clientFlags, clientFlagValues, connectClient } from "./client-flags.js";
import { verbUsage } from "./client-usage.js";
import { clientVerbs } from "./client-verbs.js";
import { CommandError, usageError } from "./command-error.js";
import type { Output } from "./output.js";

export interface RunClientVerbOptions {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  out: Output;
  signal: AbortSignal;
}

function parse(argv: readonly string[], options: Record<string, { type: "string" | "boolean"; multiple?: boolean }>) {
  try {
    return parseArgs({ args: [...argv], allowPositionals: true, strict: true, options });
  } catch (error) {
    throw usageError(`${(error as Error).message} (see --help)`);
  }
}

/**
 * Runs `checkpointd VERB ...` and resolves with the exit status: 0 done, 1 failed (the server
 * refused, a thread is missing), 2 bad usage. A failure is one line on stderr naming its cause;
 * with --json also a `{"error": {code, message}}` line on stdout.
 */
export async function runClientVerb({ argv, env, out, signal }: RunClientVerbOptions): Promise<number> {
  const verb = clientVerbs.find((v) => v.name === argv[0]);
  if (verb === undefined) throw new Error(`not a client verb: ${String(argv[0])}`);
  let client: CheckpointdClient | undefined;
  let json = false;
  try {
    const options = {
      ...Object.fromEntries(Object.values(clientFlags).map((f) => [f.flag.slice(2), { type: f.type }])),
      ...Object.fromEntries(
        Object.entries(verb.options ?? {}).map(([name, o]) => [name, { type: o.type, ...(o.multiple === true ? { multiple: true } : {}) }]),
      ),
      help: { type: "boolean" as const, short: "h" },
    };
    const { values, positionals } = parse(argv.slice(1), options);
    if (values.help === true) {
      out.stdout(verbUsage(verb));
      return 0;
    }
    const flags = clientFlagValues(values, env);
    json = flags.json === true;
    const [min, max] = verb.arity;
    if (positionals.length < min || positionals.length > max) {
      throw usageError(`usage: checkpointd ${verb.name} ${verb.synopsis}`.trimEnd());
    }
    await verb.run({
      args: positionals,
      options: values as Record<string, string | boolean | string[] | undefined>,
      json,
      out,
      signal,
      client: () => (client ??= connectClient(flags)),
    });
    return 0;
  } catch (error) {
    const exitCode = error instanceof CommandError ? error.exitCode : 1;
    const code = error instanceof ConnectError ? error.code : undefined;
    const message =
      error instanceof ConnectError
        ? `the server answered ${codeName(error)}: ${error.rawMessage}`
        : error instanceof Error
          ? error.message
          : String(error);
    out.stderr(`checkpointd ${verb.name}: ${message}\n`);
    if (json)
      out.stdout(`${JSON.stringify({ error: { ...(code === undefined ? {} : { code: codeName(error as ConnectError) }), message } })}\n`);
    return exitCode;
  } finally {
    await client?.close();
  }
}

/** A gRPC code as gRPC spells it: INVALID_ARGUMENT, UNAVAILABLE. */
function codeName(error: ConnectError): string {
  return Code[error.code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}
