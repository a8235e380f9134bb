/** Where one timeline row sits in the branch drawing. */
export interface LaneRow {
  /** The row's own lane. */
  lane: number;
  /** Lanes holding a line that passes this row (before it is placed), by index; null where free. */
  through: boolean[];
  /** Other lanes that end here: branches forked from this checkpoint (drawn as a join into `lane`). */
  forks: number[];
  /** Whether the row continues down (it has a parent). */
  continues: boolean;
}

/**
 * Lanes for a newest-first history, like `git log --graph`: each lane waits
 * for the checkpoint it will meet next (a shown row's parent). A row takes the
 * first lane waiting for it (or a free one: a branch head); every other lane
 * waiting for it is a fork that joins it here.
 */
export function computeLanes(rows: readonly { key: string; parentKey: string | undefined }[]): LaneRow[] {
  const waiting: (string | undefined)[] = [];
  return rows.map(({ key, parentKey }) => {
    const through = waiting.map((w) => w !== undefined);
    const matches = waiting.flatMap((w, i) => (w === key ? [i] : []));
    let lane = matches[0] ?? waiting.indexOf(undefined);
    if (lane === -1) lane = waiting.length;
    const forks = matches.slice(1);
    for (const f of forks) waiting[f] = undefined;
    waiting[lane] = parentKey;
    while (waiting.length > 0 && waiting.at(-1) === undefined) waiting.pop();
    return { lane, through, forks, continues: parentKey !== undefined };
  });
}
