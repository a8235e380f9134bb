import type { CheckpointTuple } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { asMessages, type ChatMessage } from "../decode/as-message.js";
import { decodeValue, type DecodedValue } from "../decode/decode-value.js";
import { diffJson, type JsonChange } from "./diff-json.js";

export interface ChannelChange {
  channel: string;
  before: DecodedValue;
  after: DecodedValue;
  changes: JsonChange[];
  /** When both values are lists of messages: the messages of `after` that `before` lacks. */
  addedMessages: ChatMessage[];
  /** And the messages of `before` that `after` lacks. */
  removedMessages: ChatMessage[];
}

export interface CheckpointDiff {
  added: { channel: string; value: DecodedValue; messages: ChatMessage[] }[];
  removed: { channel: string; value: DecodedValue }[];
  changed: ChannelChange[];
  unchanged: string[];
  metadata: JsonChange[];
}

const valuesOf = (tuple: CheckpointTuple) => tuple.checkpoint?.channelValues ?? {};
const plain = (value: DecodedValue): unknown => (value.kind === "decoded" ? value.value : `<${value.type}: ${value.hex}>`);
const messageKey = (m: ChatMessage, i: number) => m.id ?? `#${i}:${m.role}:${m.content}`;

function messageDelta(before: ChatMessage[], after: ChatMessage[]) {
  const beforeKeys = new Set(before.map(messageKey));
  const afterKeys = new Set(after.map(messageKey));
  return {
    addedMessages: after.filter((m, i) => !beforeKeys.has(messageKey(m, i))),
    removedMessages: before.filter((m, i) => !afterKeys.has(messageKey(m, i))),
  };
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** What changed from checkpoint `a` to checkpoint `b`, channel by channel. */
export function diffCheckpoints(a: CheckpointTuple, b: CheckpointTuple): CheckpointDiff {
  const [va, vb] = [valuesOf(a), valuesOf(b)];
  const diff: CheckpointDiff = {
    added: [],
    removed: [],
    changed: [],
    unchanged: [],
    metadata: diffJson(a.metadata ?? {}, b.metadata ?? {}),
  };
  for (const channel of [...new Set([...Object.keys(va), ...Object.keys(vb)])].sort()) {
    const [x, y] = [va[channel], vb[channel]];
    if (x === undefined && y !== undefined) {
      const value = decodeValue(y.type, y.data);
      diff.added.push({ channel, value, messages: asMessages(plain(value)) ?? [] });
    } else if (x !== undefined && y === undefined) {
      diff.removed.push({ channel, value: decodeValue(x.type, x.data) });
    } else if (x !== undefined && y !== undefined) {
      if (x.type === y.type && sameBytes(x.data, y.data)) {
        diff.unchanged.push(channel);
        continue;
      }
      const [before, after] = [decodeValue(x.type, x.data), decodeValue(y.type, y.data)];
      const changes = diffJson(plain(before), plain(after));
      if (changes.length === 0) {
        diff.unchanged.push(channel);
        continue;
      }
      const [mb, ma] = [asMessages(plain(before)), asMessages(plain(after))];
      const delta = ma === undefined ? { addedMessages: [], removedMessages: [] } : messageDelta(mb ?? [], ma);
      diff.changed.push({ channel, before, after, changes, ...delta });
    }
  }
  return diff;
}
