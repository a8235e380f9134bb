import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { create, type DescMethod } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "@jest/globals";
import { backoffDelay } from "./backoff-delay.js";
import { callWithRetries } from "./call-with-retries.js";
import { defaultRetryOptions } from "./checkpointd-client-options.js";
import { isIdempotentCall } from "./is-idempotent-call.js";
import { defaultWatchReconnectOptions, watchReconnectCodes } from "./watch-threads.js";

/** docs/client-rules.json: the rules the three clients share, beyond the proto's idempotency options. */
interface Backoff {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  multiplier: number;
  jitter: string;
}
interface ClientRules {
  service: string;
  calls: {
    retryableCodes: string[];
    conditionallyIdempotent: Record<string, { field: string; idempotentWhen: string }>;
    neverRetried: string[];
    backoff: Backoff;
  };
  watch: { reconnectCodes: string[]; endCodes: string[]; backoff: Backoff };
}

const rules = JSON.parse(readFileSync(fileURLToPath(new URL("../../../docs/client-rules.json", import.meta.url)), "utf8")) as ClientRules;

/** gRPC status code names by number (Connect's Code uses the same numbers). */
const codeNames = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];
const errorCodes: Code[] = codeNames.slice(1).map((_, i) => (i + 1) as Code);
const nameOf = (code: Code) => codeNames[code]!;

const methodByName = new Map<string, DescMethod>(CheckpointService.methods.map((m) => [m.name, m]));

/** The request's local field name for a proto field name of the method's input. */
function localField(method: DescMethod, protoName: string): string {
  const field = method.input.fields.find((f) => f.name === protoName);
  if (field === undefined) throw new Error(`${method.input.typeName} has no field ${protoName}`);
  return field.localName;
}

describe("the client follows docs/client-rules.json and the proto's idempotency options", () => {
  it("names the service the proto defines", () => {
    expect(CheckpointService.typeName).toBe(rules.service);
    for (const name of [...Object.keys(rules.calls.conditionallyIdempotent), ...rules.calls.neverRetried]) {
      expect(methodByName.has(name)).toBe(true);
    }
  });

  it.each(CheckpointService.methods.map((m) => [m.name, m] as const))("decides whether %s may be resent", (name, method) => {
    const plain = create(method.input);
    const conditional = rules.calls.conditionallyIdempotent[name];
    if (conditional !== undefined) {
      expect(method.idempotency).toBe(MethodOptions_IdempotencyLevel.IDEMPOTENCY_UNKNOWN);
      expect(conditional.idempotentWhen).toBe("set");
      expect(isIdempotentCall(method, plain)).toBe(false);
      expect(isIdempotentCall(method, create(method.input, { [localField(method, conditional.field)]: "key" }))).toBe(true);
    } else if (rules.calls.neverRetried.includes(name)) {
      expect(method.idempotency).toBe(MethodOptions_IdempotencyLevel.IDEMPOTENCY_UNKNOWN);
      expect(isIdempotentCall(method, plain)).toBe(false);
    } else {
      // Every other method must say in the proto that it may be resent.
      expect([MethodOptions_IdempotencyLevel.IDEMPOTENT, MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS]).toContain(method.idempotency);
      expect(isIdempotentCall(method, plain)).toBe(true);
    }
  });

  it("retries exactly the retryable codes, and only idempotent calls", async () => {
    const policy = { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 1, multiplier: 1 };
    for (const code of errorCodes) {
      for (const idempotent of [true, false]) {
        let attempts = 0;
        const call = callWithRetries(
          () => {
            attempts++;
            return Promise.reject(new ConnectError("scripted", code));
          },
          { policy, idempotent, deadline: undefined },
        );
        await expect(call).rejects.toMatchObject({ code });
        const retried = idempotent && rules.calls.retryableCodes.includes(nameOf(code));
        expect([nameOf(code), idempotent, attempts]).toEqual([nameOf(code), idempotent, retried ? 2 : 1]);
      }
    }
  });

  it("reconnects a watch on exactly the reconnect codes and ends it on the others", () => {
    const reconnect = new Set(rules.watch.reconnectCodes);
    const end = new Set(rules.watch.endCodes);
    expect(errorCodes.map(nameOf).filter((n) => !reconnect.has(n) && !end.has(n))).toEqual([]);
    expect([...reconnect].filter((n) => end.has(n))).toEqual([]);
    for (const code of errorCodes)
      expect([nameOf(code), watchReconnectCodes.has(code)]).toEqual([nameOf(code), reconnect.has(nameOf(code))]);
  });

  it.each([
    ["calls", defaultRetryOptions, rules.calls.backoff],
    ["watch reconnects", defaultWatchReconnectOptions, rules.watch.backoff],
  ] as const)("backs off %s with the documented defaults and equal jitter", (_, defaults, documented) => {
    const { jitter, ...parameters } = documented;
    expect(jitter).toBe("equal");
    expect({ ...defaults }).toEqual(parameters);
    for (let retry = 1; retry <= 12; retry++) {
      const capped = Math.min(parameters.maxBackoffMs, parameters.initialBackoffMs * parameters.multiplier ** (retry - 1));
      expect(backoffDelay(retry, defaults, () => 0)).toBeCloseTo(capped / 2);
      expect(backoffDelay(retry, defaults, () => 1)).toBeCloseTo(capped);
    }
  });
});
