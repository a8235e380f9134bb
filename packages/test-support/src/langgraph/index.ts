export { ApprovalState, buildApprovalGraph } from "./approval-graph.js";
export { ChatState, buildChatGraph } from "./chat-graph.js";
export { runTestProcess, type TestProcess } from "./run-test-process.js";
export { fillLanggraphSaver, type FilledThreads } from "./fill-langgraph-saver.js";
export { saverHistory, type SaverHistory } from "./saver-history.js";
