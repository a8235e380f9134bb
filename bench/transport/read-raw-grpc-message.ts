import http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { CheckpointService, PutRequestSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";

/**
 * Calls Put over a bare HTTP/2 connection and returns the `grpc-message`
 * header exactly as the server put it on the wire (trailers, or headers for
 * a trailers-only response), before any client library decodes it.
 */
export function readRawGrpcMessage(port: number): Promise<string | undefined> {
  const body = toBinary(PutRequestSchema, create(PutRequestSchema, { config: { threadId: "bench-thread" } }));
  const frame = Buffer.alloc(5 + body.byteLength);
  frame.writeUInt32BE(body.byteLength, 1);
  frame.set(body, 5);
  const session = http2.connect(`http://127.0.0.1:${port}`);
  return new Promise<string | undefined>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no grpc-message within 10 s")), 10_000);
    let found: string | undefined;
    const take = (headers: http2.IncomingHttpHeaders) => {
      const value = headers["grpc-message"];
      if (typeof value === "string") found = value;
    };
    session.on("error", reject);
    const stream = session.request({
      ":method": "POST",
      ":path": `/${CheckpointService.typeName}/${CheckpointService.method.put.name}`,
      "content-type": "application/grpc+proto",
      te: "trailers",
    });
    stream.on("response", take);
    stream.on("trailers", take);
    stream.on("error", reject);
    stream.resume();
    stream.on("close", () => {
      clearTimeout(timer);
      resolve(found);
    });
    stream.end(frame);
  }).finally(() => session.close());
}
