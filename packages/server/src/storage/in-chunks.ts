/**
 * Rows per INSERT statement. PostgreSQL's protocol caps one statement at 65,535 bind parameters
 * (about 7,000 checkpoint_writes rows of 9 columns); inserting in chunks lifts that limit on a
 * Put's new versions and a PutWrites' writes. The chunks share the caller's transaction.
 */
export const rowsPerInsert = 1000;

export function* inChunks<T>(items: readonly T[], size = rowsPerInsert): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
