/** `--name value` pairs of a test process; every name is required. */
export function processArgs<K extends string>(names: readonly K[]): Record<K, string> {
  const out = {} as Record<K, string>;
  const argv = process.argv.slice(2);
  for (const name of names) {
    const at = argv.indexOf(`--${name}`);
    const value = at === -1 ? undefined : argv[at + 1];
    if (value === undefined) throw new Error(`missing --${name}`);
    out[name] = value;
  }
  return out;
}

/** Ends the process with an error if it is still running after ms (the processes' loops are bounded). */
export function exitAfter(ms: number, what: string): void {
  setTimeout(() => {
    process.stderr.write(`${what}: gave up after ${ms} ms\n`);
    process.exit(2);
  }, ms).unref();
}

export function report(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
