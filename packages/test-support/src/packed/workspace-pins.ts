import { readFileSync } from "node:fs";
import { join } from "node:path";

function json<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

/** What a JS consumer of the packages installs beside them from the registry, at the versions the workspace uses. */
export function npmRegistryPins(root: string): string[] {
  const langgraph = json<{ devDependencies: Record<string, string> }>(join(root, "packages/langgraph/package.json"));
  const proto = json<{ dependencies: Record<string, string> }>(join(root, "packages/proto/package.json"));
  const typesNode = json<{ version: string }>(join(root, "node_modules/@types/node/package.json"));
  return [
    `@langchain/langgraph@${langgraph.devDependencies["@langchain/langgraph"]}`,
    `@langchain/core@${langgraph.devDependencies["@langchain/core"]}`,
    `@bufbuild/protobuf@${proto.dependencies["@bufbuild/protobuf"]}`,
    `@types/node@${typesNode.version}`,
  ];
}

/** The langgraph requirement clients/python's test constraints pin, e.g. `langgraph==1.2.22`. */
export function pythonLanggraphPin(root: string): string {
  const pin = /^langgraph==(\S+)$/m.exec(readFileSync(join(root, "clients/python/constraints-test.txt"), "utf8"));
  if (pin === null) throw new Error("clients/python/constraints-test.txt pins no langgraph==");
  return `langgraph==${pin[1]}`;
}
