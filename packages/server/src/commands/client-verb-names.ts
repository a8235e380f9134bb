/** The client verbs' names, without their code: what cli.ts checks before loading a verb. client-verbs.test.ts keeps it equal to clientVerbs. */
export const clientVerbNames: readonly string[] = [
  "threads",
  "history",
  "show",
  "diff",
  "resume",
  "watch",
  "copy",
  "delete",
  "prune",
  "export",
  "import",
  "import-langgraph",
];
