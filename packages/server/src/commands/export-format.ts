import { fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { CheckpointTupleSchema, type CheckpointTuple } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { usageError } from "./command-error.js";
import type { ImportRecord } from "./import-record.js";

/**
 * The export file: JSON lines. A header, then one line per checkpoint tuple (protobuf's JSON form
 * of CheckpointTuple: values' bytes in base64, int64 versions as strings inside their oneof, so
 * that every byte and every version's type come back), with --events the thread's stored events,
 * then an end line with the counts. A thread's lines are contiguous.
 */
export const exportFormat = "checkpointd-export";
export const exportVersion = 1;

export type ExportLine =
  | { kind: "header"; format: typeof exportFormat; version: number }
  | { kind: "tuple"; tuple: JsonValue }
  /** With `export --events`: one of the thread's stored events (WatchEvent's JSON), after its tuples. */
  | { kind: "event"; event: JsonValue }
  | { kind: "end"; threads: number; checkpoints: number };

export function tupleLine(tuple: CheckpointTuple): string {
  return JSON.stringify({ kind: "tuple", tuple: toJson(CheckpointTupleSchema, tuple) } satisfies ExportLine);
}

/** A parsed line; a usage error naming the line when it is not one of ours. */
export function parseExportLine(text: string, lineNumber: number): ExportLine {
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch (error) {
    throw usageError(`line ${lineNumber}: not JSON (${(error as Error).message})`);
  }
  const kind = (line as { kind?: unknown } | null)?.kind;
  if (kind === "header" || kind === "tuple" || kind === "event" || kind === "end") return line as ExportLine;
  throw usageError(`line ${lineNumber}: not a line of a checkpointd export (kind ${JSON.stringify(kind)})`);
}

/** The Put and PutWrites that recreate an exported tuple. */
export function recordOfTuple(json: JsonValue, lineNumber: number): ImportRecord {
  let tuple: CheckpointTuple;
  try {
    tuple = fromJson(CheckpointTupleSchema, json);
  } catch (error) {
    throw usageError(`line ${lineNumber}: not a checkpoint tuple (${(error as Error).message})`);
  }
  const threadId = tuple.config?.threadId ?? "";
  const checkpointNs = tuple.config?.checkpointNs ?? "";
  const checkpoint = tuple.checkpoint;
  if (threadId === "" || checkpoint === undefined || checkpoint.id === "")
    throw usageError(`line ${lineNumber}: a tuple without thread or checkpoint id`);
  return {
    threadId,
    checkpointNs,
    checkpointId: checkpoint.id,
    put: {
      config: { threadId, checkpointNs, checkpointId: tuple.parentConfig?.checkpointId ?? "" },
      checkpoint,
      metadata: tuple.metadata ?? {},
      newVersions: checkpoint.channelVersions,
    },
    writes: tuple.pendingWrites,
  };
}
