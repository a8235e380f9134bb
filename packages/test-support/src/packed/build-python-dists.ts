import { cpSync, existsSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { runTool, userEnv } from "./run-tool.js";

export interface PythonDists {
  wheel: string;
  sdist: string;
  /** Paths inside the wheel. */
  wheelEntries: string[];
  /** Paths inside the sdist, without its leading `checkpointd-<version>/`. */
  sdistEntries: string[];
}

/** Not part of what clients/python ships: its tests and what earlier builds or runs left behind. */
const notShipped = new Set(["tests", "build", "dist", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"]);

/**
 * `python -m build` of a copy of clients/python in `workDir` (the checkout stays clean): an sdist,
 * then the wheel built from that sdist, so the wheel proves the sdist is complete. Runs in the
 * repository's .venv with the pinned frontend and backend (`scripts/python-venv.sh --build`), so
 * the build is `--no-isolation` instead of fetching the newest setuptools.
 */
export async function buildPythonDists(root: string, workDir: string): Promise<PythonDists> {
  await runTool("bash", [join(root, "scripts/python-venv.sh"), "--build"], {
    cwd: root,
    env: userEnv(),
    timeoutMs: 180_000,
    missingHint: "install bash",
  }).catch((error: unknown) => {
    throw new Error(`scripts/python-venv.sh --build failed (it needs Python 3.10+ with venv: python3 -m venv): ${String(error)}`);
  });
  const source = join(workDir, "source");
  cpSync(join(root, "clients/python"), source, {
    recursive: true,
    filter: (path) => !notShipped.has(basename(path)) && !path.endsWith(".egg-info") && !path.endsWith(".pyc"),
  });
  const outDir = join(workDir, "dist");
  const python = join(root, ".venv/bin/python");
  await runTool(python, ["-m", "build", "--no-isolation", "--outdir", outDir, source], {
    cwd: workDir,
    env: userEnv(),
    timeoutMs: 120_000,
    missingHint: "run bash scripts/python-venv.sh --build",
  });
  const built = existsSync(outDir) ? readdirSync(outDir) : [];
  const wheel = built.find((file) => file.endsWith(".whl"));
  const sdist = built.find((file) => file.endsWith(".tar.gz"));
  if (wheel === undefined || sdist === undefined)
    throw new Error(`python -m build wrote ${JSON.stringify(built)}: want a .whl and a .tar.gz`);
  const listZip = "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))";
  const wheelList = await runTool(python, ["-c", listZip, join(outDir, wheel)], { cwd: workDir, missingHint: "python3" });
  const sdistList = await runTool("tar", ["-tzf", join(outDir, sdist)], { cwd: workDir, missingHint: "install tar" });
  return {
    wheel: join(outDir, wheel),
    sdist: join(outDir, sdist),
    wheelEntries: wheelList.stdout.split("\n").filter((line) => line !== ""),
    sdistEntries: sdistList.stdout
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => line.replace(/^[^/]+\//, "")),
  };
}
