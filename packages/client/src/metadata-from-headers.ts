import { decodeBinaryHeader } from "@connectrpc/connect";
import { Metadata } from "@grpc/grpc-js";

/**
 * Request headers grpc-js writes itself (or that gRPC reserves): not sent as metadata. The deadline
 * (`grpc-timeout`) is read by the transport and given to grpc-js as the call's deadline.
 */
function reserved(name: string): boolean {
  return name.startsWith("grpc-") || name === "content-type" || name === "te" || name === "user-agent";
}

/** Connect request headers as grpc-js metadata; `-bin` values (base64, comma-joined when repeated) as bytes. */
export function metadataFromHeaders(header: Headers): Metadata {
  const metadata = new Metadata();
  header.forEach((value, name) => {
    if (reserved(name)) return;
    if (!name.endsWith("-bin")) {
      metadata.add(name, value);
      return;
    }
    for (const part of value.split(",")) {
      const bytes = decodeBinaryHeader(part.trim());
      metadata.add(name, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    }
  });
  return metadata;
}
