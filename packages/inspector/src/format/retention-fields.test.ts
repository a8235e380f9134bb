import { describe, expect, it } from "@jest/globals";
import { create } from "@bufbuild/protobuf";
import { RetentionPolicySchema, TtlStrategy } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { formatDurationMs, parseDurationText } from "./duration-text.js";
import { describePolicy, fieldsFromPolicy, policyFromFields, type RetentionFields } from "./retention-fields.js";

const empty: RetentionFields = { maxVersions: "", maxAge: "", ttl: "", strategy: "", pinned: false };

describe("duration text", () => {
  it("reads the server's flag syntax and writes it back", () => {
    expect(parseDurationText("1h30m")).toBe(5_400_000);
    expect(parseDurationText(" 2w ")).toBe(14 * 86_400_000);
    expect(parseDurationText("500ms")).toBe(500);
    expect(parseDurationText("0")).toBe(0);
    for (const bad of ["", "5", "1x", "-5m", "1h 30m"]) expect(parseDurationText(bad)).toBeInstanceOf(Error);
    expect(formatDurationMs(90_000)).toBe("1m30s");
    expect(formatDurationMs(14 * 86_400_000 + 3_600_000)).toBe("14d1h");
    expect(formatDurationMs(0)).toBe("0");
  });
});

describe("the set-retention form", () => {
  it("leaves empty fields unset, so that the server's defaults apply to them", () => {
    expect(policyFromFields(empty)).toEqual({ pinned: false });
    expect(policyFromFields({ ...empty, pinned: true })).toEqual({ pinned: true });
  });

  it("sends every field typed, zero included", () => {
    expect(policyFromFields({ maxVersions: "0", maxAge: "7d", ttl: "0", strategy: "keep_latest", pinned: false })).toEqual({
      pinned: false,
      maxVersions: 0,
      maxAge: { seconds: 604_800n, nanos: 0 },
      ttl: { seconds: 0n, nanos: 0 },
      ttlStrategy: TtlStrategy.KEEP_LATEST,
    });
    expect(policyFromFields({ ...empty, ttl: "1500ms", strategy: "delete" })).toEqual({
      pinned: false,
      ttl: { seconds: 1n, nanos: 500_000_000 },
      ttlStrategy: TtlStrategy.DELETE,
    });
  });

  it("refuses text that is no number or duration, and leaves range checks to the server", () => {
    expect(policyFromFields({ ...empty, maxVersions: "five" })).toBeInstanceOf(Error);
    expect(policyFromFields({ ...empty, maxVersions: "99999999999" })).toBeInstanceOf(Error);
    expect((policyFromFields({ ...empty, maxAge: "a week" }) as Error).message).toMatch(/^max age: /);
    expect(policyFromFields({ ...empty, maxVersions: "-1" })).toEqual({ pinned: false, maxVersions: -1 });
  });

  it("prefills from a thread's own policy, and describes a policy for reading", () => {
    const own = create(RetentionPolicySchema, {
      maxVersions: 5,
      ttl: { seconds: 2_592_000n },
      ttlStrategy: TtlStrategy.KEEP_LATEST,
      pinned: true,
    });
    expect(fieldsFromPolicy(own)).toEqual({ maxVersions: "5", maxAge: "", ttl: "30d", strategy: "keep_latest", pinned: true });
    expect(fieldsFromPolicy(undefined)).toEqual(empty);
    expect(describePolicy(own)).toEqual({ maxVersions: "5", maxAge: "default", ttl: "30d", strategy: "keep latest", pinned: "yes" });
    const inForce = create(RetentionPolicySchema, { maxVersions: 0, maxAge: {}, ttl: {}, ttlStrategy: TtlStrategy.DELETE });
    expect(describePolicy(inForce)).toEqual({ maxVersions: "all", maxAge: "no limit", ttl: "never", strategy: "delete", pinned: "no" });
  });
});
