// Test helpers for the checkpointd suites: throwaway services, processes and fixtures.
// In-process servers are in "@checkpointd/test-support/server", LangGraph graphs and worker
// processes in "@checkpointd/test-support/langgraph", the wire fuzzer in "…/fuzz".
export { runCheckpointdProcess, type CheckpointdProcess, type RunCheckpointdProcessOptions } from "./run-checkpointd-process.js";
export { cliPath, spawnCheckpointd, type SpawnedCheckpointd } from "./spawn-checkpointd.js";
export { checkpointdCliPath, runCheckpointd, type RunCheckpointdOptions, type RunningCheckpointd } from "./run-checkpointd.js";
export { startPostgres, createDatabase, type PostgresInstance, type StartPostgresOptions } from "./start-postgres.js";
export { findPostgresBinDir } from "./find-postgres-bin-dir.js";
export { startPgBouncer, type PgBouncerInstance, type StartPgBouncerOptions } from "./start-pgbouncer.js";
export {
  countMismatchedSteps,
  startAcknowledgedWriters,
  writerCheckpointId,
  type AcknowledgedStep,
  type AcknowledgedWriters,
} from "./acknowledged-writers.js";
export { startTcpProxy, type CutMode, type TcpProxy } from "./start-tcp-proxy.js";
export { startRedis, type RedisInstance, type StartRedisOptions } from "./start-redis.js";
export { startRedisCluster, type RedisClusterInstance } from "./start-redis-cluster.js";
export { redisKeySlot } from "./redis-key-slot.js";
export { sendRedisCommand } from "./send-redis-command.js";
export { pingRedis } from "./ping-redis.js";
export { grpcurlDir, grpcurlModule } from "./find-grpcurl.js";
export { freePort } from "./free-port.js";
export { refusalOf } from "./refusal-of.js";
export { waitUntil, type WaitUntilOptions } from "./wait-until.js";
export { runCommand, type RunCommandOptions } from "./run-command.js";
export { runCheckpointdVerb, type VerbResult } from "./run-checkpointd-verb.js";
export { sampleHistory, type SampleStep } from "./sample-history.js";
export { sampleTuple } from "./sample-tuple.js";
export { chainCheckpointId, chainPut, chainWrites } from "./chain-put.js";
export { retentionCheckpointId, retentionStep } from "./retention-history.js";
export { seedLongThread, seededCheckpointId, type SeedLongThreadOptions } from "./seed-long-thread.js";
export { openWatch, type OpenWatch } from "./open-watch.js";
export { recordMethods } from "./record-methods.js";
export {
  createTestCertificateAuthority,
  loopbackAltNames,
  makeTestCertificates,
  type CertificateFiles,
  type IssueOptions,
  type TestCertificateAuthority,
  type TestCertificates,
} from "./make-test-certificates.js";
export { probeTls, type ProbeTlsOptions, type TlsProbe } from "./probe-tls.js";
export { startHeaderRecorder, type HeaderRecorder, type HeaderRecorderOptions, type RecordedCall } from "./start-header-recorder.js";
export { startPrometheus, type PrometheusInstance, type PromSample, type StartPrometheusOptions } from "./start-prometheus.js";
export { promtoolCheckMetrics } from "./promtool-check.js";
export { startOtlpReceiver, type OtlpReceiver } from "./start-otlp-receiver.js";
export { decodeOtlpJson, decodeOtlpProtobuf, type ReceivedSpan } from "./otlp-spans.js";
export { decodeOtlpMetricsProtobuf, type ReceivedHistogramPoint } from "./otlp-metrics.js";
export { columnValue, loadPreTenantFixture, preTenantFixture, type PreTenantFixture } from "./pre-tenant-fixture.js";
