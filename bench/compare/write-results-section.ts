import { readFileSync, writeFileSync } from "node:fs";

export const resultsHeading = "## Checkpointd vs PostgresSaver";
const startMarker = "<!-- compare:start (written by `pnpm bench`: edit outside these markers, they are replaced on the next run) -->";
const endMarker = "<!-- compare:end -->";

/**
 * Puts the generated report into RESULTS.md's "Checkpointd vs PostgresSaver"
 * section, between its markers, so that hand-written reading around them
 * survives a rerun. Without the section, it is added right after the title,
 * before the older sections, which stay as they are.
 */
export function writeResultsSection(path: string, generated: string): void {
  const text = readFileSync(path, "utf8");
  const block = `${startMarker}\n\n${generated.trim()}\n\n${endMarker}`;
  const start = text.indexOf(startMarker);
  const end = text.indexOf(endMarker);
  let next: string;
  if (start >= 0 && end > start) {
    next = text.slice(0, start) + block + text.slice(end + endMarker.length);
  } else if (text.includes(`\n${resultsHeading}\n`)) {
    const at = text.indexOf(`\n${resultsHeading}\n`) + resultsHeading.length + 2;
    const following = text.indexOf("\n## ", at);
    next = `${text.slice(0, at)}\n${block}\n${following < 0 ? "" : text.slice(following)}`;
  } else {
    const titleEnd = text.indexOf("\n## ");
    const head = (titleEnd < 0 ? text : text.slice(0, titleEnd)).trimEnd();
    const rest = titleEnd < 0 ? "" : text.slice(titleEnd + 1);
    next = `${head}\n\n${resultsHeading}\n\n${block}\n\n${rest}`;
  }
  writeFileSync(path, next);
}
