import { copyCommand } from "./copy-command.js";
import { deleteCommand } from "./delete-command.js";
import { diffCommand } from "./diff-command.js";
import { exportCommand } from "./export-command.js";
import { historyCommand } from "./history-command.js";
import { importCommand } from "./import-command.js";
import { importLanggraphCommand } from "./import-langgraph-command.js";
import { pruneCommand } from "./prune-command.js";
import { resumeCommand } from "./resume-command.js";
import { showCommand } from "./show-command.js";
import { threadsCommand } from "./threads-command.js";
import type { Verb } from "./verb.js";
import { watchCommand } from "./watch-command.js";

/** The verbs that talk to a running server, in the order `--help` lists them. */
export const clientVerbs: readonly Verb[] = [
  threadsCommand,
  historyCommand,
  showCommand,
  diffCommand,
  resumeCommand,
  watchCommand,
  copyCommand,
  deleteCommand,
  pruneCommand,
  exportCommand,
  importCommand,
  importLanggraphCommand,
];
