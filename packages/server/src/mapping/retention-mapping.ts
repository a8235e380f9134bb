import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate, type Duration } from "@bufbuild/protobuf/wkt";
import {
  RetentionPolicySchema,
  TtlStrategy as ProtoTtlStrategy,
  type RetentionPolicy,
  type ThreadSchema,
} from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import {
  effectivePolicy,
  expiresAt,
  type EffectivePolicy,
  type RetentionDefaults,
  type ThreadInfo,
  type ThreadPolicy,
  type TtlStrategy,
} from "../domain/retention-policy.js";
import { invalidArgument } from "../errors/service-error.js";

/** Proto <-> domain for retention policies and GetThread's Thread. */

const strategies: Record<number, TtlStrategy | undefined> = {
  [ProtoTtlStrategy.UNSPECIFIED]: undefined,
  [ProtoTtlStrategy.DELETE]: "delete",
  [ProtoTtlStrategy.KEEP_LATEST]: "keep_latest",
};

/** Longest duration a policy takes: about 290 million years fit in ms, but 100 years is plenty. */
const maxDurationMs = 100 * 365 * 86_400_000;

function durationMs(d: Duration | undefined, field: string): number | undefined {
  if (d === undefined) return undefined;
  if (d.seconds < 0n || d.nanos < 0) throw invalidArgument(`${field} must not be negative`);
  const ms = Number(d.seconds) * 1000 + Math.floor(d.nanos / 1_000_000);
  if (ms > maxDurationMs) throw invalidArgument(`${field} must be at most 100 years`);
  if (ms === 0 && (d.seconds !== 0n || d.nanos !== 0)) throw invalidArgument(`${field} must be 0 or at least 1ms`);
  return ms;
}

const duration = (ms: number) => ({ seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 });

/** SetRetention's policy; unset (undefined) removes the thread's own policy. */
export function policyFromProto(policy: RetentionPolicy | undefined): ThreadPolicy | undefined {
  if (policy === undefined) return undefined;
  if (policy.maxVersions !== undefined && policy.maxVersions < 0) throw invalidArgument("policy.max_versions must not be negative");
  if (!(policy.ttlStrategy in strategies)) throw invalidArgument(`policy.ttl_strategy ${policy.ttlStrategy} is not a known TtlStrategy`);
  return {
    maxVersions: policy.maxVersions,
    maxAgeMs: durationMs(policy.maxAge, "policy.max_age"),
    ttlMs: durationMs(policy.ttl, "policy.ttl"),
    ttlStrategy: strategies[policy.ttlStrategy],
    pinned: policy.pinned,
  };
}

const strategyToProto = (s: TtlStrategy) => (s === "delete" ? ProtoTtlStrategy.DELETE : ProtoTtlStrategy.KEEP_LATEST);

export function policyToProto(p: ThreadPolicy | EffectivePolicy): RetentionPolicy {
  return create(RetentionPolicySchema, {
    ...(p.maxVersions === undefined ? {} : { maxVersions: p.maxVersions }),
    ...(p.maxAgeMs === undefined ? {} : { maxAge: duration(p.maxAgeMs) }),
    ...(p.ttlMs === undefined ? {} : { ttl: duration(p.ttlMs) }),
    ttlStrategy: p.ttlStrategy === undefined ? ProtoTtlStrategy.UNSPECIFIED : strategyToProto(p.ttlStrategy),
    pinned: p.pinned,
  });
}

export function threadToProto(info: ThreadInfo, defaults: RetentionDefaults): MessageInitShape<typeof ThreadSchema> {
  const policy = effectivePolicy(defaults, info.policy);
  const expires = expiresAt(policy, info.touchedAt);
  return {
    threadId: info.threadId,
    policy: policyToProto(policy),
    checkpointCount: BigInt(info.checkpointCount),
    namespaces: info.namespaces,
    storedBytes: BigInt(info.storedBytes),
    ...(info.createdAt === undefined ? {} : { createdAt: timestampFromDate(info.createdAt) }),
    ...(info.lastWriteAt === undefined || info.checkpointCount === 0 ? {} : { lastWriteAt: timestampFromDate(info.lastWriteAt) }),
    ...(expires === undefined ? {} : { expiresAt: timestampFromDate(expires) }),
    ...(info.policy === undefined ? {} : { threadPolicy: policyToProto(info.policy) }),
  };
}
