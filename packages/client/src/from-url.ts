import type { CheckpointdClientOptions } from "./checkpointd-client-options.js";
import { createCheckpointdClient, type CheckpointdClient } from "./create-checkpointd-client.js";

/**
 * A client for `host:port`, `http://host:port` or `https://host:port` (TLS):
 * `fromUrl("https://checkpointd:50051", { token, tls: { ca, cert, key } })`.
 */
export function fromUrl(url: string, options: Omit<CheckpointdClientOptions, "address"> = {}): CheckpointdClient {
  return createCheckpointdClient({ ...options, address: url });
}
