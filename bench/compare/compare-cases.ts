import type { Floors } from "./floor-operations.js";
import type { PrepareWorkload, WorkloadId } from "./saver-workloads.js";

export type WorkloadGroup = WorkloadId | "floor";
export type CaseKind = "postgresSaver" | "checkpointd" | "client" | "floor";

/** One row of the comparison: a workload on one saver, or a floor. */
export interface CompareCase {
  id: string;
  group: WorkloadGroup;
  kind: CaseKind;
  workload: string;
  subject: string;
  prepare: PrepareWorkload;
  /** Reads through checkpointd's L1: the run reports how its hit/miss/fill counters moved. */
  countsCache: boolean;
}

export const workloadLabels: Record<WorkloadGroup, string> = {
  put: "Put (5 channels ≈ 4 KB, 1 changed a step)",
  putWrites: "PutWrites (3 writes)",
  getLatest: "GetTuple latest (L1 hit)",
  getOlder: "GetTuple older id (L1 miss)",
  list: "List (100-checkpoint history)",
  floor: "floor",
};

export interface CaseSources {
  postgresSaver: Record<WorkloadId, PrepareWorkload>;
  checkpointd: Record<WorkloadId, PrepareWorkload>;
  floors: Floors;
  saverPoolSize: number;
}

/** Every case, grouped by workload; inside a group the savers run back to back (order rotated by round). */
export function compareCases(sources: CaseSources): CompareCase[] {
  const cases: CompareCase[] = [];
  const groups: WorkloadId[] = ["put", "putWrites", "getLatest", "getOlder", "list"];
  for (const group of groups) {
    const cached = group === "getLatest" || group === "getOlder";
    cases.push({
      id: `${group}/postgresSaver`,
      group,
      kind: "postgresSaver",
      workload: workloadLabels[group],
      subject: `PostgresSaver (in-process, pg pool ${sources.saverPoolSize})`,
      prepare: sources.postgresSaver[group],
      countsCache: false,
    });
    cases.push({
      id: `${group}/checkpointd`,
      group,
      kind: "checkpointd",
      workload: workloadLabels[group],
      subject: "CheckpointdSaver → checkpointd",
      prepare: sources.checkpointd[group],
      countsCache: cached,
    });
    if (group === "getLatest") {
      cases.push({
        id: "getLatest/client",
        group,
        kind: "client",
        workload: workloadLabels[group],
        subject: "checkpointd client.getTuple (no LangGraph decode)",
        prepare: async () => sources.floors.operations.clientGetTuple,
        countsCache: true,
      });
    }
  }
  const floor = (id: string, subject: string, operation: keyof Floors["operations"]) =>
    cases.push({
      id: `floor/${id}`,
      group: "floor",
      kind: "floor",
      workload: workloadLabels.floor,
      subject,
      prepare: async () => sources.floors.operations[operation],
      countsCache: false,
    });
  floor("echo", `gRPC echo: same client, grpc-js stub (${sources.floors.echoTupleBytes} B tuple)`, "echo");
  floor("saverEcho", "gRPC echo: CheckpointdSaver (LangGraph decode), same stub", "saverEcho");
  floor("echoGrpcJs", "gRPC echo: plain @grpc/grpc-js client, same stub (reference)", "echoGrpcJs");
  floor("redisGet", `Redis GET (ioredis, ${sources.floors.redisValueBytes} B)`, "redisGet");
  floor("selectOne", `PostgreSQL SELECT 1 (pg pool ${sources.saverPoolSize})`, "selectOne");
  return cases;
}

/** The cases of each group, in the order a round runs them (rotated by round so no one always goes first). */
export function roundOrder(cases: readonly CompareCase[], round: number): CompareCase[][] {
  const groups = new Map<WorkloadGroup, CompareCase[]>();
  for (const c of cases) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
  return [...groups.values()].map((members) => members.map((_, i) => members[(i + round - 1) % members.length]!));
}
