import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const REQUIRED = ["initdb", "pg_ctl", "postgres"] as const;
const DEBIAN_ROOT = "/usr/lib/postgresql";

function missingIn(dir: string): string[] {
  return REQUIRED.filter((tool) => !existsSync(join(dir, tool)));
}

/**
 * Finds the directory holding the PostgreSQL server binaries (initdb, pg_ctl, postgres):
 * `pg_config --bindir` first, then Debian's /usr/lib/postgresql/<version>/bin, newest first.
 * Throws an error naming what is missing when neither has them.
 */
export function findPostgresBinDir(): string {
  const tried: string[] = [];
  try {
    const dir = execFileSync("pg_config", ["--bindir"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    const missing = missingIn(dir);
    if (missing.length === 0) return dir;
    tried.push(`\`pg_config --bindir\` names ${dir}, which has no ${missing.join(", ")}`);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "not on PATH" : "failed";
    tried.push(`\`pg_config\` ${reason}`);
  }
  const versions = existsSync(DEBIAN_ROOT)
    ? readdirSync(DEBIAN_ROOT)
        .filter((name) => /^\d+$/.test(name))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const version of versions) {
    const dir = join(DEBIAN_ROOT, version, "bin");
    const missing = missingIn(dir);
    if (missing.length === 0) return dir;
    tried.push(`${dir} has no ${missing.join(", ")}`);
  }
  if (versions.length === 0) tried.push(`no ${DEBIAN_ROOT}/<version>/bin`);
  throw new Error(
    `PostgreSQL server binaries (${REQUIRED.join(", ")}) not found: ${tried.join("; ")}. ` +
      "Install the PostgreSQL server (e.g. Debian package postgresql-15) so that `pg_config --bindir` names their directory.",
  );
}
