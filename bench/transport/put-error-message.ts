/**
 * The message the stub's Put fails with: spaces, a colon, double and single
 * quotes and non-ASCII characters, to see whether it reaches a grpc-js client
 * unchanged.
 */
export const putErrorMessage = `checkpoint "cp-1" rejected: thread 'tëst' — naïve ✓`;
