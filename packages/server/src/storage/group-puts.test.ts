import { describe, expect, it } from "@jest/globals";
import { createPutGrouper } from "./group-puts.js";

interface FakePut {
  thread: string;
  rows: number;
  fails?: boolean;
}

/** The grouper over writers that only record what they were given (the SQL is in group-puts.int.test.ts). */
function recordingGrouper(maxRows = 10) {
  const calls: string[][] = [];
  const grouper = createPutGrouper<FakePut>({
    threadOf: (p) => p.thread,
    rowsOf: (p) => p.rows,
    maxRows,
    writeGroup: (puts) => {
      calls.push(puts.map((p) => p.thread));
      return puts.some((p) => p.fails) ? Promise.reject(new Error("group failed")) : Promise.resolve();
    },
    writeAlone: (p) => {
      calls.push([`alone:${p.thread}`]);
      return p.fails ? Promise.reject(new Error(`${p.thread} failed`)) : Promise.resolve();
    },
  });
  return { calls, grouper };
}

describe("createPutGrouper", () => {
  it("groups the puts of one turn by distinct thread, each group sorted and within maxRows", async () => {
    const { calls, grouper } = recordingGrouper();
    const puts = ["c", "a", "b", "a", "d", "e", "a"].map((thread) => ({ thread, rows: 2 }));
    await Promise.all(puts.map((p) => grouper.put(p)));
    // The 1st put of each thread: c a b d e (10 rows); the 2nd of "a" alone; the 3rd alone.
    expect(calls).toEqual([["a", "b", "c", "d", "e"], ["alone:a"], ["alone:a"]]);
  });

  it("starts a new group when the next put would pass maxRows, and writes larger puts alone at once", async () => {
    const { calls, grouper } = recordingGrouper();
    const pending = [grouper.put({ thread: "x", rows: 4 }), grouper.put({ thread: "y", rows: 11 })];
    expect(calls).toEqual([["alone:y"]]);
    pending.push(grouper.put({ thread: "w", rows: 4 }), grouper.put({ thread: "v", rows: 3 }));
    await Promise.all(pending);
    expect(calls).toEqual([["alone:y"], ["w", "x"], ["alone:v"]]);
  });

  it("writes each put of a failed group again alone: only the failing one rejects", async () => {
    const { calls, grouper } = recordingGrouper();
    const results = await Promise.allSettled(["a", "b", "c"].map((thread) => grouper.put({ thread, rows: 1, fails: thread === "b" })));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(results[1]).toMatchObject({ reason: new Error("b failed") });
    expect(calls).toEqual([["a", "b", "c"], ["alone:a"], ["alone:b"], ["alone:c"]]);
  });

  it("writes a lone put after one turn, and settles once every put has", async () => {
    const { calls, grouper } = recordingGrouper();
    let done = false;
    void grouper.put({ thread: "solo", rows: 1 }).then(() => (done = true));
    const settled = grouper.settled();
    expect(calls).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([["alone:solo"]]);
    await settled;
    expect(done).toBe(true);
    await grouper.settled();
  });
});
