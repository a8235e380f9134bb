import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import type { TokenStore } from "./token-store.js";

export type InspectorApi = Client<typeof CheckpointService>;

export interface InspectorApiOptions {
  /** The server's HTTP port: the page's own origin. */
  baseUrl: string;
  tokens: TokenStore;
}

/** `authorization: Bearer <token>` on every call while a token is set. */
function bearer(tokens: TokenStore): Interceptor {
  return (next) => (req) => {
    const token = tokens.get();
    if (token !== undefined) req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
}

/** The Connect API the page is served beside (binary Connect protocol over fetch). */
export function createInspectorApi(options: InspectorApiOptions): InspectorApi {
  const transport = createConnectTransport({
    baseUrl: options.baseUrl,
    useBinaryFormat: true,
    interceptors: [bearer(options.tokens)],
  });
  return createClient(CheckpointService, transport);
}
