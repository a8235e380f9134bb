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

/**
 * One grpc.health.v1 Check against a running server, for container health
 * checks: resolves to the serving status, rejects if there is no answer.
 */
export function checkHealth(address: string, service = "", timeoutMs = 2_000): Promise<string> {
  const Health = makeGenericClientConstructor(healthDefinition, "Health");
  const client = new Health(address, credentials.createInsecure()) as HealthClient;
  return new Promise<string>((resolve, reject) => {
    client.check({ service }, { deadline: Date.now() + timeoutMs }, (error, response) => {
      client.close();
      if (error !== null) reject(new HealthCheckError(`health check of ${address} failed: ${error.details || error.message}`));
      else resolve(response?.status ?? "UNKNOWN");
    });
  });
}
