import { ConnectError } from "@connectrpc/connect";
import { status as grpcStatus, type ClientDuplexStream, type ClientReadableStream, type StatusObject } from "@grpc/grpc-js";
import { connectErrorFromStatus } from "./connect-error-from-status.js";
import { appendMetadata } from "./append-metadata.js";

/** Messages read ahead of the consumer before the call stops reading from the connection. */
const readAhead = 16;

/** The response side of a grpc-js streaming call, as Connect's StreamResponse wants it. */
export interface GrpcJsStreamReader<O> {
  /** The response headers; rejects when the call fails before any (a trailers-only answer, a refused connection). */
  readonly header: Promise<Headers>;
  /** Filled once the call ends. */
  readonly trailer: Headers;
  /** The messages, then the call's error if it failed. Iterate it once. */
  readonly messages: AsyncIterable<O>;
  /** Ends the call with this error (a failed request stream), unless it has already ended. */
  fail(error: ConnectError): void;
}

/**
 * Reads a grpc-js streaming call: response headers, messages (pausing the call while `readAhead`
 * of them wait for the consumer), then the status, mapped to a ConnectError when it is not OK.
 * `onEnd` runs once, when the status arrives.
 */
export function readGrpcJsStream<O>(
  call: ClientReadableStream<O> | ClientDuplexStream<unknown, O>,
  onEnd: () => void,
): GrpcJsStreamReader<O> {
  const header = new Headers();
  const trailer = new Headers();
  const queue: O[] = [];
  let status: StatusObject | undefined;
  let ended = false;
  let failure: ConnectError | undefined;
  let wake: (() => void) | undefined;
  let headerSettled = false;
  let resolveHeader!: (header: Headers) => void;
  let rejectHeader!: (error: ConnectError) => void;
  const headerPromise = new Promise<Headers>((resolve, reject) => {
    resolveHeader = resolve;
    rejectHeader = reject;
  });
  const settleHeader = () => {
    if (headerSettled) return;
    headerSettled = true;
    if (failure === undefined) resolveHeader(header);
    else rejectHeader(failure);
  };
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  call.on("metadata", (metadata) => {
    appendMetadata(header, metadata);
    settleHeader();
  });
  call.on("data", (message: O) => {
    queue.push(message);
    if (queue.length >= readAhead) call.pause();
    notify();
  });
  call.on("end", () => {
    ended = true;
    notify();
  });
  // The status carries the same error; this listener only keeps the emitter from throwing it.
  call.on("error", () => undefined);
  call.on("status", (s: StatusObject) => {
    status = s;
    onEnd();
    appendMetadata(trailer, s.metadata);
    if (s.code !== grpcStatus.OK) failure ??= connectErrorFromStatus(s, header);
    settleHeader();
    notify();
  });

  const next = async (): Promise<IteratorResult<O, undefined>> => {
    for (;;) {
      const message = queue.shift();
      if (message !== undefined) return { done: false, value: message };
      if (failure !== undefined) throw failure;
      if (status !== undefined && ended) return { done: true, value: undefined };
      // Nothing waiting: let the call read on (a status may be queued behind paused messages).
      if (call.isPaused()) call.resume();
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };

  return {
    header: headerPromise,
    trailer,
    messages: { [Symbol.asyncIterator]: () => ({ next }) },
    fail(error) {
      if (status !== undefined || failure !== undefined) return;
      failure = error;
      settleHeader();
      call.cancel();
      notify();
    },
  };
}
