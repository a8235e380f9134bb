import { randomBytes, randomInt } from "node:crypto";
import type { Client } from "@connectrpc/connect";
import type { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";

/** What a writer was told succeeded: each acknowledged step's values and writes, to read back byte for byte. */
export interface AcknowledgedStep {
  threadId: string;
  step: number;
  messages: Uint8Array;
  state: Uint8Array;
  /** Empty when the step's PutWrites was never acknowledged. */
  writes: Uint8Array[];
  /** When the step's Put was acknowledged (Date.now()). */
  acknowledgedAt: number;
}

export interface AcknowledgedWriters {
  /** Stops the writers after their current call and resolves with everything acknowledged. */
  stop(): Promise<AcknowledgedStep[]>;
  /** Milliseconds of the longest stretch in which some call kept failing before it was acknowledged. */
  longestOutageMs(): number;
}

export const writerCheckpointId = (step: number) => `1f0c0000-0000-6000-8000-${String(step).padStart(12, "0")}`;
const version = (n: number) => ({ kind: { case: "intValue" as const, value: BigInt(n) } });

/**
 * `count` writers, each on a thread of its own (`${prefix}-i`): Put step n (parent n-1), then a
 * PutWrites of two writes for it, as fast as the server takes them, with random bytes. A call that
 * fails is retried (a client riding through an outage) until it is acknowledged or `deadlineMs`
 * passes. Only acknowledged calls are recorded.
 */
export function startAcknowledgedWriters(
  client: Client<typeof CheckpointService>,
  options: { count: number; prefix: string; deadlineMs: number },
): AcknowledgedWriters {
  let stopping = false;
  let longestOutage = 0;
  const deadline = Date.now() + options.deadlineMs;

  async function untilAcknowledged(call: () => Promise<unknown>): Promise<boolean> {
    let failingSince: number | undefined;
    while (Date.now() < deadline) {
      try {
        await call();
        if (failingSince !== undefined) longestOutage = Math.max(longestOutage, Date.now() - failingSince);
        return true;
      } catch {
        failingSince ??= Date.now();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    return false;
  }

  async function writer(threadId: string): Promise<AcknowledgedStep[]> {
    const acknowledged: AcknowledgedStep[] = [];
    for (let step = 0; !stopping; step++) {
      const messages = randomBytes(randomInt(64, 2_048));
      const state = randomBytes(randomInt(8, 256));
      const putOk = await untilAcknowledged(() =>
        client.put(
          {
            config: { threadId, checkpointNs: "", checkpointId: step === 0 ? "" : writerCheckpointId(step - 1) },
            checkpoint: {
              v: 4,
              id: writerCheckpointId(step),
              ts: new Date(Date.UTC(2026, 0, 1) + step * 1000).toISOString(),
              channelValues: { messages: { type: "bytes", data: messages }, state: { type: "bytes", data: state } },
              channelVersions: { messages: version(step + 1), state: version(step + 1) },
            },
            metadata: { step },
            newVersions: { messages: version(step + 1), state: version(step + 1) },
          },
          { timeoutMs: 2_000 },
        ),
      );
      if (!putOk) break;
      const acknowledgedAt = Date.now();
      const writes = [randomBytes(randomInt(1, 512)), randomBytes(randomInt(1, 512))];
      const writesOk = await untilAcknowledged(() =>
        client.putWrites(
          {
            config: { threadId, checkpointNs: "", checkpointId: writerCheckpointId(step) },
            taskId: `task-${step}`,
            taskPath: "",
            writes: writes.map((data, i) => ({ channel: `out${i}`, value: { type: "bytes", data } })),
          },
          { timeoutMs: 2_000 },
        ),
      );
      acknowledged.push({ threadId, step, messages, state, writes: writesOk ? writes : [], acknowledgedAt });
      if (!writesOk) break;
    }
    return acknowledged;
  }

  const running = Array.from({ length: options.count }, (_, i) => writer(`${options.prefix}-${i}`));
  return {
    async stop() {
      stopping = true;
      return (await Promise.all(running)).flat();
    },
    longestOutageMs: () => longestOutage,
  };
}

/** How many acknowledged steps do not read back byte for byte (values and writes) through `client`. */
export async function countMismatchedSteps(client: Client<typeof CheckpointService>, steps: readonly AcknowledgedStep[]): Promise<number> {
  const same = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && Buffer.compare(a, b) === 0;
  let mismatches = 0;
  for (const ack of steps) {
    const { tuple } = await client.getTuple({
      config: { threadId: ack.threadId, checkpointNs: "", checkpointId: writerCheckpointId(ack.step) },
    });
    const values = tuple?.checkpoint?.channelValues;
    const writesBack = (tuple?.pendingWrites ?? []).filter((w) => w.taskId === `task-${ack.step}`).map((w) => w.value?.data);
    const ok =
      same(values?.messages?.data, ack.messages) &&
      same(values?.state?.data, ack.state) &&
      writesBack.length === ack.writes.length &&
      ack.writes.every((data, i) => same(writesBack[i], data));
    if (!ok) mismatches++;
  }
  return mismatches;
}
