import { runCommand } from "./run-command.js";

export interface Owner {
  uid: number;
  gid: number;
}

/** PostgreSQL and PgBouncer refuse to run as root: as root, run them as the `postgres` user. */
export async function serverOwner(): Promise<Owner | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number((await runCommand("id", ["-u", "postgres"])).trim());
    const gid = Number((await runCommand("id", ["-g", "postgres"])).trim());
    return { uid, gid };
  } catch {
    throw new Error("running as root, but PostgreSQL refuses to run as root and there is no `postgres` user to run it as");
  }
}
