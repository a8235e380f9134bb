import { describe, expect, it } from "@jest/globals";
import { checkpointTimeOf, timestampTimeOf } from "./checkpoint-time.js";

describe("checkpointTimeOf", () => {
  it("reads what LangGraph Python and JS write, as UTC with microseconds", () => {
    expect(checkpointTimeOf("2024-07-31T20:14:19.804150+00:00")).toBe("2024-07-31T20:14:19.804150Z");
    expect(checkpointTimeOf("2024-07-31T20:14:19.804Z")).toBe("2024-07-31T20:14:19.804000Z");
    expect(checkpointTimeOf("2024-07-31T22:14:19+02:00")).toBe("2024-07-31T20:14:19.000000Z");
    expect(checkpointTimeOf("2024-07-31 20:14:19.1234567-0130")).toBe("2024-07-31T21:44:19.123456Z");
    expect(checkpointTimeOf("2024-01-01T00:30:00+01:00")).toBe("2023-12-31T23:30:00.000000Z");
    expect(checkpointTimeOf("0050-06-01T00:00:00Z")).toBe("0050-06-01T00:00:00.000000Z");
  });

  it("refuses what is no time, or a time without offset", () => {
    for (const ts of ["", "yesterday", "2024-07-31T20:14:19", "2024-02-30T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01T24:00:00Z"]) {
      expect(checkpointTimeOf(ts)).toBeUndefined();
    }
    expect(checkpointTimeOf("0000-12-31T23:00:00-02:00")).toBe("0001-01-01T01:00:00.000000Z");
    expect(checkpointTimeOf("0001-01-01T00:30:00+01:00")).toBeUndefined();
  });
});

describe("timestampTimeOf", () => {
  it("truncates nanos to microseconds", () => {
    expect(timestampTimeOf(0n, 0)).toBe("1970-01-01T00:00:00.000000Z");
    expect(timestampTimeOf(1_700_000_000n, 123_456_789)).toBe("2023-11-14T22:13:20.123456Z");
    expect(timestampTimeOf(-1n, 999_999_999)).toBe("1969-12-31T23:59:59.999999Z");
  });

  it("refuses nanos or years out of range", () => {
    expect(timestampTimeOf(0n, -1)).toBeUndefined();
    expect(timestampTimeOf(0n, 1_000_000_000)).toBeUndefined();
    expect(timestampTimeOf(253_402_300_800n, 0)).toBeUndefined(); // 10000-01-01
    expect(timestampTimeOf(-62_135_596_801n, 0)).toBeUndefined(); // just before 0001-01-01
  });
});
