import { readFileSync, writeFileSync } from "node:fs";

/** Where a generated report goes in RESULTS.md: its section heading and the markers around the generated part. */
export interface ResultsSection {
  heading: string;
  startMarker: string;
  endMarker: string;
  /** A new section goes right after this one (before the next `## `); without it, right after the title. */
  after?: ResultsSection;
}

export const compareSection: ResultsSection = {
  heading: "## Checkpointd vs PostgresSaver",
  startMarker: "<!-- compare:start (written by `pnpm bench`: edit outside these markers, they are replaced on the next run) -->",
  endMarker: "<!-- compare:end -->",
};

export const pinnedCompareSection: ResultsSection = {
  heading: "## Checkpointd vs PostgresSaver, worker pinned to its own core",
  startMarker:
    "<!-- compare-pinned:start (written by `pnpm bench --pin`: edit outside these markers, they are replaced on the next run) -->",
  endMarker: "<!-- compare-pinned:end -->",
  after: compareSection,
};

/**
 * Puts the generated report into its RESULTS.md section, between the
 * section's markers, so that hand-written reading around them survives a
 * rerun. Without the section, it is added after `section.after` (if that
 * section is there) or else right after the title; the other sections stay
 * as they are.
 */
export function writeResultsSection(path: string, generated: string, section: ResultsSection = compareSection): void {
  const text = readFileSync(path, "utf8");
  const { heading, startMarker, endMarker } = section;
  const block = `${startMarker}\n\n${generated.trim()}\n\n${endMarker}`;
  const start = text.indexOf(startMarker);
  const end = text.indexOf(endMarker);
  const afterAt = section.after === undefined ? -1 : text.indexOf(`\n${section.after.heading}\n`);
  let next: string;
  if (start >= 0 && end > start) {
    next = text.slice(0, start) + block + text.slice(end + endMarker.length);
  } else if (text.includes(`\n${heading}\n`)) {
    const at = text.indexOf(`\n${heading}\n`) + heading.length + 2;
    const following = text.indexOf("\n## ", at);
    next = `${text.slice(0, at)}\n${block}\n${following < 0 ? "" : text.slice(following)}`;
  } else if (afterAt >= 0) {
    const following = text.indexOf("\n## ", afterAt + 1);
    const head = (following < 0 ? text : text.slice(0, following)).trimEnd();
    const rest = following < 0 ? "" : text.slice(following + 1);
    next = `${head}\n\n${heading}\n\n${block}\n\n${rest}`;
  } else {
    const titleEnd = text.indexOf("\n## ");
    const head = (titleEnd < 0 ? text : text.slice(0, titleEnd)).trimEnd();
    const rest = titleEnd < 0 ? "" : text.slice(titleEnd + 1);
    next = `${head}\n\n${heading}\n\n${block}\n\n${rest}`;
  }
  writeFileSync(path, next);
}
