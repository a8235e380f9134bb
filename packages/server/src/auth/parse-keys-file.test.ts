import { expect, test } from "@jest/globals";
import { parseKeysFile } from "./parse-keys-file.js";

const hash = (c: string) => c.repeat(64);

test("JSON and YAML, a bare list or a `keys` list, give the same entries; hashes are lowercased", () => {
  const entry = { id: "a", sha256: hash("A"), tenant: "t", roles: ["read"], rate: 5 };
  const expected = [{ ...entry, sha256: hash("a") }];
  expect(parseKeysFile(JSON.stringify([entry]))).toEqual(expected);
  expect(parseKeysFile(JSON.stringify({ keys: [entry] }))).toEqual(expected);
  expect(parseKeysFile(`keys:\n  - id: a\n    sha256: ${hash("A")}\n    tenant: t\n    roles: [read]\n    rate: 5\n`)).toEqual(expected);
  expect(parseKeysFile("keys: []")).toEqual([]);
});

test.each([
  ["", "expected a list of keys, or an object with a `keys` list"],
  ["keys: [ {id: a", /^not JSON or YAML: /],
  [
    `[{"id": "a", "sha256": "${hash("a")}", "tenant": "t", "roles": ["read"], "key": "secret"}]`,
    'keys[0] has unknown field "key" (id, sha256, tenant, roles, rate)',
  ],
  [`[{"id": "", "sha256": "${hash("a")}", "tenant": "t", "roles": ["read"]}]`, "keys[0]: id must be a non-empty string"],
  [
    `[{"id": "a", "sha256": "${hash("a")}", "tenant": "", "roles": ["read"]}]`,
    'keys[0] (id "a"): tenant must be a non-empty string of at most 128 characters',
  ],
  [
    `[{"id": "a", "sha256": "${hash("a")}", "tenant": "t", "roles": []}]`,
    'keys[0] (id "a"): roles must be a non-empty list of read, write, admin',
  ],
  [
    `[{"id": "a", "sha256": "${hash("a")}", "tenant": "t", "roles": ["read"], "rate": 0}]`,
    'keys[0] (id "a"): rate must be a positive number of requests per second',
  ],
  [
    `[{"id": "a", "sha256": "${hash("a")}", "tenant": "t", "roles": ["read"]}, {"id": "a", "sha256": "${hash("b")}", "tenant": "t", "roles": ["read"]}]`,
    'id "a" appears twice',
  ],
  [
    `[{"id": "a", "sha256": "${hash("a")}", "tenant": "t", "roles": ["read"]}, {"id": "b", "sha256": "${hash("A")}", "tenant": "t", "roles": ["read"]}]`,
    'id "b": the same sha256 as another key',
  ],
])("a bad file is one clear error: %s", (text, message) => {
  expect(() => parseKeysFile(text)).toThrow(message);
});
