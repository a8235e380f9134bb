import type { StorageGrowth } from "./measure-storage-growth.js";

const mib = (bytes: number) => (bytes / 1024 ** 2).toFixed(2);

/** The storage-growth table: bytes PostgreSQL gained per saver after the same conversation, by table. */
export function formatStorageGrowth(growth: { checkpointd: StorageGrowth; postgresSaver: StorageGrowth }): string[] {
  const { checkpointd, postgresSaver } = growth;
  const lines = [
    `**Storage growth**: a ${checkpointd.steps}-step conversation through each saver into a fresh database of its own (same ` +
      "PostgreSQL server): each step a task writes the new message (putWrites, 1 write), then a checkpoint stores the " +
      "`messages` channel one message longer (LangChain messages through the saver's JsonPlusSerializer; the other 4 channels " +
      "are written once, at step 0). Bytes = growth of `pg_total_relation_size` (heap + TOAST + indexes) summed over the tables; " +
      "checkpointd's server ran `--cache off` for this (the cache never touches PostgreSQL).",
    "",
    "| saver | total MiB | bytes / step | pg_database_size growth MiB | took s | tables (MiB, rows) |",
    "| --- | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const [name, g] of [
    ["checkpointd", checkpointd],
    ["PostgresSaver", postgresSaver],
  ] as const) {
    const tables = g.tables.map((t) => `${t.table} ${mib(t.bytes)} (${t.rows})`).join(", ");
    lines.push(
      `| ${name} | ${mib(g.bytes)} | ${(g.bytes / g.steps).toFixed(0)} | ${mib(g.databaseBytes)} | ${g.seconds.toFixed(1)} | ${tables} |`,
    );
  }
  lines.push("", `Ratio checkpointd / PostgresSaver: ${(checkpointd.bytes / postgresSaver.bytes).toFixed(2)}× the bytes.`);
  return lines;
}
