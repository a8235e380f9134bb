import { describe, expect, test } from "@jest/globals";
import { clientVerbNames } from "./client-verb-names.js";
import { clientVerbs } from "./client-verbs.js";
import { clientFlags } from "./client-flags.js";
import { settings } from "../config/settings.js";

describe("the client verbs' tables", () => {
  test("cli.ts's list of names is the verbs' own", () => {
    expect(clientVerbNames).toEqual(clientVerbs.map((v) => v.name));
  });

  test("no verb is also a server command, and no verb flag shadows a client flag", () => {
    for (const name of ["serve", "migrate", "health"]) expect(clientVerbNames).not.toContain(name);
    const common = new Set(Object.values(clientFlags).map((f) => f.flag.slice(2)));
    for (const verb of clientVerbs)
      for (const name of Object.keys(verb.options ?? {})) expect([verb.name, name, common.has(name)]).toEqual([verb.name, name, false]);
  });

  test("client flags' environment variables are not server settings' ones", () => {
    const serverEnv = new Set(Object.values(settings).map((s) => s.env));
    for (const f of Object.values(clientFlags)) expect([f.env, serverEnv.has(f.env)]).toEqual([f.env, false]);
  });
});
