import { credentials, makeGenericClientConstructor, type ServiceError } from "@grpc/grpc-js";
import { service as healthDefinition } from "grpc-health-check";

type HealthClient = InstanceType<ReturnType<typeof makeGenericClientConstructor>> & {
  check(
    request: { service: string },
    options: { deadline: number },
    callback: (error: ServiceError | null, response?: { status: string }) => void,
  ): void;
};

export class HealthCheckError extends Error {
  override name = "HealthCheckError";
}

/** TLS to the server's own port: its certificate is not verified (the check dials itself, by an address its certificate may not name). */
export interface HealthCheckTls {
  /** PEM: presented as the client certificate, for a server that requires one (mutual TLS). */
  cert?: Buffer;
  key?: Buffer;
}

/**
 * One grpc.health.v1 Check against a running server, for container health
 * checks: resolves to the serving status, rejects if there is no answer.
 */
export function checkHealth(address: string, service = "", timeoutMs = 2_000, tls?: HealthCheckTls): Promise<string> {
  const Health = makeGenericClientConstructor(healthDefinition, "Health");
  const channel =
    tls === undefined
      ? credentials.createInsecure()
      : credentials.createSsl(null, tls.key ?? null, tls.cert ?? null, { rejectUnauthorized: false, checkServerIdentity: () => undefined });
  const client = new Health(address, channel) as HealthClient;
  return new Promise<string>((resolve, reject) => {
    client.check({ service }, { deadline: Date.now() + timeoutMs }, (error, response) => {
      client.close();
      if (error !== null) reject(new HealthCheckError(`health check of ${address} failed: ${error.details || error.message}`));
      else resolve(response?.status ?? "UNKNOWN");
    });
  });
}
