import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export const grpcurlModule = "github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.3";

/**
 * The directory holding grpcurl: on PATH, else Go's bin directory, where it is
 * installed with `go install` when missing (the Go module proxy is reachable
 * wherever this suite runs; .ci/run installs it up front).
 */
export function grpcurlDir(): string {
  for (const dir of (process.env.PATH ?? "").split(":")) if (dir !== "" && existsSync(join(dir, "grpcurl"))) return dir;
  const goBin = join(execFileSync("go", ["env", "GOPATH"], { encoding: "utf8" }).trim(), "bin");
  if (!existsSync(join(goBin, "grpcurl"))) {
    execFileSync("go", ["install", grpcurlModule], { stdio: "inherit", timeout: 300_000 });
  }
  return goBin;
}
