import type { MessageInitShape } from "@bufbuild/protobuf";
import { TtlStrategy, type RetentionPolicy, type RetentionPolicySchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { durationToMs, formatDurationMs, msToDuration, parseDurationText } from "./duration-text.js";

/** The set-retention form's fields as typed: an empty text leaves the field unset (the server's default applies). */
export interface RetentionFields {
  maxVersions: string;
  maxAge: string;
  ttl: string;
  /** "" leaves the strategy to the server's --thread-ttl-strategy. */
  strategy: "" | "delete" | "keep_latest";
  pinned: boolean;
}

export type RetentionPolicyInit = MessageInitShape<typeof RetentionPolicySchema>;

const int32Max = 2 ** 31 - 1;

/**
 * SetRetention's policy from the form, or an Error for text that is no number or duration. Only the
 * syntax is checked here: a negative count or a duration out of range goes to the server, whose
 * INVALID_ARGUMENT the page shows.
 */
export function policyFromFields(fields: RetentionFields): RetentionPolicyInit | Error {
  const policy: RetentionPolicyInit = { pinned: fields.pinned };
  const versions = fields.maxVersions.trim();
  if (versions !== "") {
    if (!/^-?\d+$/.test(versions) || Math.abs(Number(versions)) > int32Max)
      return new Error(`max versions "${versions}" is not a whole number`);
    policy.maxVersions = Number(versions);
  }
  for (const [key, label] of [
    ["maxAge", "max age"],
    ["ttl", "TTL"],
  ] as const) {
    const text = fields[key].trim();
    if (text === "") continue;
    const ms = parseDurationText(text);
    if (ms instanceof Error) return new Error(`${label}: ${ms.message}`);
    policy[key] = msToDuration(ms);
  }
  if (fields.strategy !== "") policy.ttlStrategy = fields.strategy === "delete" ? TtlStrategy.DELETE : TtlStrategy.KEEP_LATEST;
  return policy;
}

/** The form prefilled from a thread's own policy (empty fields for none). */
export function fieldsFromPolicy(policy: RetentionPolicy | undefined): RetentionFields {
  return {
    maxVersions: policy?.maxVersions === undefined ? "" : String(policy.maxVersions),
    maxAge: policy?.maxAge === undefined ? "" : formatDurationMs(durationToMs(policy.maxAge)),
    ttl: policy?.ttl === undefined ? "" : formatDurationMs(durationToMs(policy.ttl)),
    strategy: policy?.ttlStrategy === TtlStrategy.DELETE ? "delete" : policy?.ttlStrategy === TtlStrategy.KEEP_LATEST ? "keep_latest" : "",
    pinned: policy?.pinned ?? false,
  };
}

export interface PolicyText {
  maxVersions: string;
  maxAge: string;
  ttl: string;
  strategy: string;
  pinned: string;
}

/** A policy for reading: 0 is "no limit", an unset field (in a thread's own policy) "default". */
export function describePolicy(policy: RetentionPolicy): PolicyText {
  const limit = (ms: number) => (ms === 0 ? "no limit" : formatDurationMs(ms));
  return {
    maxVersions: policy.maxVersions === undefined ? "default" : policy.maxVersions === 0 ? "all" : String(policy.maxVersions),
    maxAge: policy.maxAge === undefined ? "default" : limit(durationToMs(policy.maxAge)),
    ttl:
      policy.ttl === undefined
        ? "default"
        : policy.ttl.seconds === 0n && policy.ttl.nanos === 0
          ? "never"
          : formatDurationMs(durationToMs(policy.ttl)),
    strategy:
      policy.ttlStrategy === TtlStrategy.DELETE ? "delete" : policy.ttlStrategy === TtlStrategy.KEEP_LATEST ? "keep latest" : "default",
    pinned: policy.pinned ? "yes" : "no",
  };
}
