import { encodeBinaryHeader } from "@connectrpc/connect";
import type { Metadata } from "@grpc/grpc-js";

/** Appends grpc-js metadata (response headers or trailers) to Connect `Headers`; bytes as unpadded base64. */
export function appendMetadata(target: Headers, metadata: Metadata): Headers {
  const entries = metadata.toJSON();
  for (const name in entries) {
    for (const value of entries[name] ?? []) {
      target.append(name, typeof value === "string" ? value : encodeBinaryHeader(value));
    }
  }
  return target;
}
