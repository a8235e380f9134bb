/**
 * LangGraph's special write channels. They take fixed negative indexes and a
 * later write overwrites an earlier one; ordinary writes take their position
 * in the batch and are insert-if-absent, so a retried PutWrites is idempotent.
 */
const SPECIAL_WRITE_INDEX: Readonly<Record<string, number>> = {
  __error__: -1,
  __scheduled__: -2,
  __interrupt__: -3,
  __resume__: -4,
};

export function writeIndex(channel: string, position: number): number {
  return SPECIAL_WRITE_INDEX[channel] ?? position;
}
