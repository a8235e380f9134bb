import { fromBinary, toBinary, create } from "@bufbuild/protobuf";
import { CheckpointTupleSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import type { CheckpointTuple } from "../domain/checkpoint.js";
import { tupleFromProto, tupleToProto } from "./proto-mapping.js";

/** A cached tuple is the protobuf encoding of checkpointd.v1.CheckpointTuple: compact and lossless. */
export function encodeTuple(tuple: CheckpointTuple): Uint8Array {
  return toBinary(CheckpointTupleSchema, create(CheckpointTupleSchema, tupleToProto(tuple)));
}

export function decodeTuple(bytes: Uint8Array): CheckpointTuple {
  return tupleFromProto(fromBinary(CheckpointTupleSchema, bytes));
}
