import { describe, expect, it } from "@jest/globals";
import { compareChannelVersions, maxChannelVersion } from "@langchain/langgraph-checkpoint";
import { nextChannelVersion } from "./next-channel-version.js";

describe("nextChannelVersion", () => {
  it("gives every fork of one version its own next version, a number greater than it", () => {
    // 52 random bits at the first steps, 32 at a million steps.
    for (const current of [undefined, 0, 1, 7, 2.5, 1_000_000]) {
      const next = new Set(Array.from({ length: 1000 }, () => nextChannelVersion(current)));
      expect(next.size).toBe(1000);
      for (const v of next) {
        expect(typeof v).toBe("number");
        expect(Number.isInteger(v)).toBe(false);
        if (current !== undefined) expect(compareChannelVersions(v, current)).toBe(1);
        expect(Math.floor(v as number)).toBe(Math.floor(current ?? 0) + 1);
      }
    }
  });

  it("orders as LangGraph orders versions: after integers written before it, and along a chain", () => {
    let version: number | string | undefined;
    const chain: (number | string)[] = [];
    for (let step = 0; step < 1000; step++) {
      version = nextChannelVersion(version);
      chain.push(version);
    }
    for (let i = 1; i < chain.length; i++) {
      expect(chain[i]! > chain[i - 1]!).toBe(true);
      expect(compareChannelVersions(chain[i]!, chain[i - 1]!)).toBe(1);
    }
    expect(maxChannelVersion(...chain, 3, 999)).toBe(chain.at(-1));
    // An integer version (the old saver's) is older than what follows it, as LangGraph's `>` sees it.
    expect(nextChannelVersion(41) > 41).toBe(true);
    expect(nextChannelVersion(41) < 43).toBe(true);
  });

  it("continues LangGraph Python's string versions in their format", () => {
    const current = "00000000000000000000000000000041.0.8444218515250481";
    const next = nextChannelVersion(current) as string;
    expect(next).toMatch(/^0{30}42\.0\.\d{16}$/);
    expect(next > current).toBe(true);
    expect(compareChannelVersions(next, current)).toBe(1);
    expect(nextChannelVersion(current)).not.toBe(nextChannelVersion(current));
  });

  it("stops adding a fraction only where a double has no room for one", () => {
    expect(nextChannelVersion(2 ** 53 - 2)).toBe(2 ** 53 - 1);
  });
});
