import type { DescMethod } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";

/**
 * The methods the proto leaves without an idempotency level that are
 * idempotent when this request field (a local name) is set, as their proto
 * comments say: a Resume with an idempotency key returns the first resume
 * again; a worker repeating its claim of a named resume gets it again ("the
 * oldest pending one" could be another resume the second time).
 */
const idempotentWhenSet: ReadonlyMap<DescMethod, string> = new Map<DescMethod, string>([
  [CheckpointService.method.resume, "idempotencyKey"],
  [CheckpointService.method.claimResume, "resumeId"],
]);

/**
 * Whether a call may be sent again, unchanged, after UNAVAILABLE: its method
 * is IDEMPOTENT or NO_SIDE_EFFECTS in the proto (`idempotency_level`), or it is
 * a Resume or ClaimResume whose key field is set.
 */
export function isIdempotentCall(method: DescMethod, request: object): boolean {
  if (method.idempotency !== MethodOptions_IdempotencyLevel.IDEMPOTENCY_UNKNOWN) return true;
  const field = idempotentWhenSet.get(method);
  if (field === undefined) return false;
  const value: unknown = Reflect.get(request, field);
  return typeof value === "string" && value !== "";
}
