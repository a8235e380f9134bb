// The wire fuzzer of packages/server/src/transport/wire-fuzz.int.test.ts: seeded generators of
// hostile requests, raw HTTP/2 and Connect callers, protobuf encoders, and the server's memory probes.
export { REQUEST_TIMEOUT_MS, MiB, SERVICE } from "./fuzz-limits.js";
export { mulberry32, Rng, rngFor } from "./rng.js";
export { codeNames, connectCodes, type Outcome, type Probe, abbreviate, describeOutcome, faultOf } from "./outcome.js";
export { H2Pool, type H2Request, h2Call, frame } from "./h2-call.js";
export { methods, type Method } from "./methods.js";
export {
  specialChannels,
  shortString,
  hostileString,
  hostileVersion,
  hostileValue,
  mapOf,
  hostileStruct,
  hostileConfig,
} from "./hostile-values.js";
export { hostileRequest, bigRequest } from "./hostile-requests.js";
export { sampleBytes, junkPayload, varint, lenField, deepStruct } from "./proto-payloads.js";
export { envelope, httpCall } from "./connect-http.js";
export { type Targets, grpcJsUnary, grpcJsList, connectCall } from "./rpc-calls.js";
export { kinds, type Kind, probeFor } from "./probe-for.js";
export { deepJson, connectJunk } from "./connect-junk.js";
export { inspectorCalls, collectGarbage, rssMb, sleep } from "./inspector.js";
export { hostileAuthorization, type AuthorizationMaterial, type HostileAuthorization } from "./hostile-authorization.js";
