import type { LaneRow } from "../pages/compute-lanes.js";

const step = 14;
const height = 28;
const x = (lane: number) => 8 + lane * step;

/** The branch drawing of one timeline row: lines passing, the row's dot, and forks joining it. */
export function LaneCell({ row, width }: { row: LaneRow; width: number }) {
  const mid = height / 2;
  return (
    <svg class="lanes" width={x(width)} height={height} aria-hidden="true">
      {row.through.map((on, i) =>
        on && i !== row.lane && !row.forks.includes(i) ? <line key={`t${i}`} x1={x(i)} y1={0} x2={x(i)} y2={height} /> : null,
      )}
      {row.through[row.lane] === true && <line x1={x(row.lane)} y1={0} x2={x(row.lane)} y2={mid} />}
      {row.continues && <line x1={x(row.lane)} y1={mid} x2={x(row.lane)} y2={height} />}
      {row.forks.map((f) => (
        <path key={`f${f}`} class="fork" d={`M${x(f)} 0 Q${x(f)} ${mid} ${x(row.lane)} ${mid}`} />
      ))}
      <circle cx={x(row.lane)} cy={mid} r={4} class={row.forks.length > 0 ? "fork-point" : ""} />
    </svg>
  );
}
