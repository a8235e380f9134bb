import { deltaChannelHistoryTests, validate } from "@langchain/langgraph-checkpoint-validation";
import { checkpointdInitializer } from "./checkpointd-initializer.js";

// Every spec the package ships: the default suite (put, putWrites, getTuple, list,
// deleteThread) and the opt-in getDeltaChannelHistory conformance tests.
validate(checkpointdInitializer);
deltaChannelHistoryTests(checkpointdInitializer);
