import { describe, expect, test } from "@jest/globals";
import { configRejection } from "@checkpointd/test-support/server";
import { duration, formatDuration, integer, port, portOrOff } from "./number-parsers.js";
import type { SettingParser } from "./setting-parser.js";

function rejection<T>(parser: SettingParser<T>, raw: string): string {
  return configRejection("X", () => parser.parse(raw, "X"));
}

describe("integer", () => {
  const n = integer(10, 20);

  test("accepts decimal integers within its bounds, bounds included", () => {
    expect(n.parse("10", "X")).toBe(10);
    expect(n.parse("20", "X")).toBe(20);
    expect(n.parse("015", "X")).toBe(15);
  });

  test.each(["9", "21", "-10", "1e1", "0x10", "12.5", "", " ", "abc", String(2 ** 60)])("rejects %p", (raw) => {
    expect(rejection(n, raw)).toBe(`X: expected an integer from 10 to 20, got "${raw}"`);
  });

  test("rejects numbers beyond the safe integers even when the bound is larger", () => {
    rejection(integer(0, Number.MAX_VALUE), "9007199254740993");
  });
});

describe("ports", () => {
  test("a port is 0 to 65535", () => {
    expect(port().parse("0", "X")).toBe(0);
    expect(port().parse("65535", "X")).toBe(65535);
    rejection(port(), "65536");
    expect(port().metavar).toBe("PORT");
  });

  test('a port-or-off is undefined for "off"', () => {
    expect(portOrOff().parse("off", "X")).toBeUndefined();
    expect(portOrOff().parse("8080", "X")).toBe(8080);
    expect(rejection(portOrOff(), "http")).toBe('X: expected an integer from 0 to 65535 or "off", got "http"');
  });
});

describe("duration", () => {
  const d = duration(1_000, 30 * 86_400_000);

  test.each([
    ["1s", 1_000],
    ["1500ms", 1_500],
    ["90s", 90_000],
    ["5m", 300_000],
    ["1h30m", 5_400_000],
    ["7d", 604_800_000],
    ["2w", 1_209_600_000],
    ["30d", 2_592_000_000],
    [" 1d12h ", 129_600_000],
  ])("%p is %d ms", (raw, ms) => expect(d.parse(raw, "X")).toBe(ms));

  test.each(["", "10", "1.5h", "-1s", "5 m", "1y", "s", "999ms", "31d", "1d 2h", "7D"])("rejects %p", (raw) => {
    expect(rejection(d, raw)).toBe(`X: expected a duration from 1s to 30d (like 500ms, 30s, 5m, 1h30m, 7d), got "${raw}"`);
  });

  test("formatDuration spells a duration in its largest exact unit", () => {
    expect([0, 1, 1_000, 90_000, 3_600_000, 86_400_000, 604_800_000, 1_500].map(formatDuration)).toEqual([
      "0s",
      "1ms",
      "1s",
      "90s",
      "1h",
      "1d",
      "1w",
      "1500ms",
    ]);
  });
});
