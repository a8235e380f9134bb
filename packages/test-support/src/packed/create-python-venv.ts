import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { runTool, userEnv } from "./run-tool.js";

export interface CreatePythonVenvOptions {
  /** Where the venv goes (outside the workspace). */
  dir: string;
  /** What `pip install` gets: a wheel path and requirement specifiers. */
  install: readonly string[];
  /** A pip constraints file pinning the rest. */
  constraints: string;
}

/** A fresh venv (python3 -m venv) with `install` pip-installed into it; returns its python. */
export async function createPythonVenv(options: CreatePythonVenvOptions): Promise<string> {
  mkdirSync(options.dir, { recursive: true });
  await runTool("python3", ["-m", "venv", options.dir], {
    cwd: options.dir,
    env: userEnv(),
    timeoutMs: 60_000,
    missingHint: "install Python 3.10+ with venv (Debian: python3-venv)",
  });
  const python = join(options.dir, "bin/python");
  await runTool(python, ["-m", "pip", "install", "--disable-pip-version-check", "--quiet", "-c", options.constraints, ...options.install], {
    cwd: options.dir,
    env: userEnv({ PIP_NO_INPUT: "1" }),
    timeoutMs: 240_000,
    missingHint: "python3 -m venv created no python",
  });
  return python;
}
