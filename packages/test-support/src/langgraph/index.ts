export { ApprovalState, buildApprovalGraph } from "./approval-graph.js";
export { ChatState, buildChatGraph } from "./chat-graph.js";
export { CounterState, buildCounterGraph } from "./counter-graph.js";
export { buildReviewGraph } from "./review-graph.js";
export { runTestProcess, type TestProcess } from "./run-test-process.js";
export { fillLanggraphSaver, type FilledThreads } from "./fill-langgraph-saver.js";
export { saverHistory, type SaverHistory } from "./saver-history.js";
export { openLanggraphPostgresSaver } from "./langgraph-postgres-saver.js";
export { resumeApproval } from "./resume-approval.js";
// For the suites of packages that do not depend on the saver themselves (the server's CLI tests).
export { CheckpointdSaver, waitForResume } from "@checkpointd/langgraph";
