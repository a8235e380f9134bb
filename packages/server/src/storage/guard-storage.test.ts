import { describe, expect, it } from "@jest/globals";
import { Code, ServiceError } from "../errors/service-error.js";
import type { Storage } from "./checkpoint-storage.js";
import { conflictAttempts, guardStorage } from "./guard-storage.js";

/** A database error as pg reports one: an Error with a SQLSTATE `code`. */
const sqlError = (code: string, message: string) => Object.assign(new Error(message), { code });

/** Storage whose deleteThread fails with the given errors in turn, then succeeds; it counts the calls. */
function failingStorage(errors: Error[]): { storage: Storage; calls: () => number } {
  let calls = 0;
  const storage = {
    async deleteThread() {
      calls++;
      const error = errors.shift();
      if (error !== undefined) throw error;
    },
  } as unknown as Storage;
  return { storage, calls: () => calls };
}

describe("guardStorage", () => {
  it("runs a call that lost a deadlock or serialization conflict again", async () => {
    const { storage, calls } = failingStorage([sqlError("40P01", "deadlock detected"), sqlError("40001", "could not serialize access")]);
    await expect(guardStorage(storage).deleteThread("t", [])).resolves.toBeUndefined();
    expect(calls()).toBe(3);
  });

  it("fails with ABORTED once every try lost", async () => {
    const errors = Array.from({ length: conflictAttempts + 1 }, () => sqlError("40P01", "deadlock detected"));
    const { storage, calls } = failingStorage(errors);
    const failure = await guardStorage(storage)
      .deleteThread("t", [])
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServiceError);
    expect(failure).toMatchObject({ code: Code.Aborted, message: expect.stringContaining("deadlock detected") });
    expect(calls()).toBe(conflictAttempts);
  });

  it("does not run other failures again", async () => {
    const { storage, calls } = failingStorage([sqlError("22P05", "unsupported Unicode escape sequence")]);
    await expect(guardStorage(storage).deleteThread("t", [])).rejects.toMatchObject({ code: Code.InvalidArgument });
    expect(calls()).toBe(1);
  });
});
