export { ApprovalState, buildApprovalGraph } from "./approval-graph.js";
export { ChatState, buildChatGraph } from "./chat-graph.js";
export { buildReviewGraph } from "./review-graph.js";
export { runTestProcess, type TestProcess } from "./run-test-process.js";
