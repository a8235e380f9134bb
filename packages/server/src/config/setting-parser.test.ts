import { describe, expect, test } from "@jest/globals";
import { configRejection } from "@checkpointd/test-support/server";
import { boolean, list, oneOf, optionalPath, orOff, path, text, url, type SettingParser } from "./setting-parser.js";
import { integer } from "./number-parsers.js";

function rejection<T>(parser: SettingParser<T>, raw: string): string {
  return configRejection("X", () => parser.parse(raw, "X"));
}

describe("text and paths", () => {
  test("text keeps what it is given, blank included unless nonEmpty", () => {
    expect(text().parse("  a b ", "X")).toBe("  a b ");
    expect(text().parse("", "X")).toBe("");
    expect(text({ nonEmpty: true }).parse(" h ", "X")).toBe(" h ");
    expect(rejection(text({ nonEmpty: true }), "  ")).toBe("X: must not be empty");
  });

  test("a path is never blank; an optional path is undefined when empty", () => {
    expect(path().parse("/var/lib/x", "X")).toBe("/var/lib/x");
    rejection(path(), "");
    expect(optionalPath().parse("", "X")).toBeUndefined();
    expect(optionalPath().parse("keys.json", "X")).toBe("keys.json");
  });
});

describe("oneOf", () => {
  const mode = oneOf(["auto", "off", "always"]);

  test("accepts exactly its words, case-sensitively", () => {
    expect(mode.parse("always", "X")).toBe("always");
    expect(rejection(mode, "Auto")).toBe('X: expected one of auto, off, always, got "Auto"');
    expect(rejection(oneOf(["a", "b"]), "c")).toBe('X: expected a or b, got "c"');
  });

  test("lists its words as the metavar and the choices", () => {
    expect(mode.metavar).toBe("auto|off|always");
    expect(mode.choices).toEqual(["auto", "off", "always"]);
    expect(oneOf(["a", "b"], "MODE").metavar).toBe("MODE");
  });
});

describe("boolean", () => {
  test("is a switch: its flag takes no value", () => {
    expect(boolean().flagType).toBe("boolean");
  });

  test.each(["1", "true", "TRUE", "yes", "on"])("%s is true", (raw) => expect(boolean().parse(raw, "X")).toBe(true));
  test.each(["0", "false", "False", "no", "off", ""])("%p is false", (raw) => expect(boolean().parse(raw, "X")).toBe(false));
  test("anything else is an error", () => {
    expect(rejection(boolean(), "maybe")).toBe('X: expected true or false, got "maybe"');
  });
});

describe("list", () => {
  test("splits on commas, trims, and drops empty items", () => {
    expect(list().parse(" a , ,b,", "X")).toEqual(["a", "b"]);
    expect(list().parse("", "X")).toEqual([]);
  });

  test("parses each item with its item parser, naming the setting on a bad one", () => {
    expect(list(integer(1, 10)).parse("1, 2,10", "X")).toEqual([1, 2, 10]);
    expect(rejection(list(integer(1, 10)), "1,11")).toContain('"11"');
  });
});

describe("url", () => {
  const redis = url(["redis", "rediss"], "redis://host:port");

  test("keeps a URL of one of its schemes as given; empty is unset", () => {
    expect(redis.parse("rediss://:pw@h:6380/1", "X")).toBe("rediss://:pw@h:6380/1");
    expect(redis.parse("", "X")).toBeUndefined();
  });

  test("rejects other schemes and non-URLs without echoing the text (it may hold a password)", () => {
    const scheme = rejection(redis, "http://user:hunter2@h");
    expect(scheme).toBe('X: expected a redis:// or rediss:// URL, got "http://"');
    const invalid = rejection(redis, "hunter2 nope");
    expect(invalid).toBe("X: not a valid URL (expected redis://host:port)");
    expect(scheme + invalid).not.toContain("hunter2");
  });
});

describe("orOff", () => {
  const level = orOff(integer(1, 5));

  test('"off" is undefined; anything else goes to the inner parser', () => {
    expect(level.parse("off", "X")).toBeUndefined();
    expect(level.parse("3", "X")).toBe(3);
    expect(level.metavar).toBe("N|off");
  });

  test('an error says that "off" is accepted too', () => {
    expect(rejection(level, "9")).toBe('X: expected an integer from 1 to 5 or "off", got "9"');
    rejection(level, "OFF");
  });
});
