import { create, type DescMessage, type DescMethodUnary, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues, type Interceptor, type UnaryRequest, type UnaryResponse } from "@connectrpc/connect";

export interface InterceptedUnary<I extends DescMessage, O extends DescMessage> {
  method: DescMethodUnary<I, O>;
  url: string;
  header: Headers;
  contextValues: ContextValues;
  message: MessageInitShape<I>;
  /** The caller's signal, if any. */
  signal: AbortSignal | undefined;
  interceptors: Interceptor[] | undefined;
  /** Sends the request (the innermost function the interceptors wrap). */
  next: (req: UnaryRequest<I, O>) => Promise<UnaryResponse<I, O>>;
}

/** req.signal's reason once the call is over (a constant: an abort without a reason would build a DOMException per call). */
const callEnded = new ConnectError("the call has ended", Code.Canceled);

/**
 * Runs a unary call through Connect interceptors, as `runUnaryCall` from
 * `@connectrpc/connect/protocol` does (interceptors applied in the same order, the message
 * normalized with `create`, `req.signal` aborted when the caller's signal is and once the call
 * is over, errors as ConnectErrors, the caller's abort reason winning), with less per-call work:
 * no deadline timer (the transport sends the deadline to grpc-js, which enforces it: a call past
 * it fails with DEADLINE_EXCEEDED, and its `req.signal` is aborted then, not at the deadline
 * itself), and no DOMException per finished call.
 */
export function runInterceptedUnary<I extends DescMessage, O extends DescMessage>(
  run: InterceptedUnary<I, O>,
): Promise<UnaryResponse<I, O>> {
  const { method, signal: callerSignal } = run;
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort(callerSignal?.reason);
  if (callerSignal !== undefined) {
    if (callerSignal.aborted) controller.abort(callerSignal.reason);
    else callerSignal.addEventListener("abort", onCallerAbort);
  }
  let next = run.next;
  const { interceptors } = run;
  if (interceptors !== undefined)
    for (let i = interceptors.length - 1; i >= 0; i--) next = interceptors[i]!(next as never) as unknown as typeof next;
  const finish = () => {
    callerSignal?.removeEventListener("abort", onCallerAbort);
    if (!controller.signal.aborted) controller.abort(callEnded);
  };
  const req: UnaryRequest<I, O> = {
    stream: false,
    service: method.parent,
    method,
    requestMethod: "POST",
    url: run.url,
    header: run.header,
    contextValues: run.contextValues,
    message: create(method.input, run.message),
    signal: controller.signal,
  };
  return next(req).then(
    (res) => {
      finish();
      return res;
    },
    (reason: unknown) => {
      const error =
        controller.signal.aborted && controller.signal.reason !== callEnded
          ? ConnectError.from(controller.signal.reason, Code.Canceled)
          : ConnectError.from(reason);
      finish();
      throw error;
    },
  );
}
