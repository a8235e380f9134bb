import { describe, expect, it } from "@jest/globals";
import { computeLanes } from "./compute-lanes.js";

describe("computeLanes", () => {
  it("keeps a straight history in one lane", () => {
    const lanes = computeLanes([
      { key: "3", parentKey: "2" },
      { key: "2", parentKey: "1" },
      { key: "1", parentKey: undefined },
    ]);
    expect(lanes.map((l) => l.lane)).toEqual([0, 0, 0]);
    expect(lanes.map((l) => l.forks)).toEqual([[], [], []]);
    expect(lanes.at(-1)!.continues).toBe(false);
  });

  it("draws a fork: two children of one checkpoint join it in one row", () => {
    // b2 -> b1 -> 2 (a branch forked from 2), 3 -> 2 -> 1.
    const lanes = computeLanes([
      { key: "b2", parentKey: "b1" },
      { key: "b1", parentKey: "2" },
      { key: "3", parentKey: "2" },
      { key: "2", parentKey: "1" },
      { key: "1", parentKey: undefined },
    ]);
    expect(lanes.map((l) => l.lane)).toEqual([0, 0, 1, 0, 0]);
    expect(lanes[3]!.forks).toEqual([1]);
    expect(lanes[2]!.through).toEqual([true]);
  });
});
