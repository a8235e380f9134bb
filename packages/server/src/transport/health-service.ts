import { status as grpcStatus, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData } from "@grpc/grpc-js";
import { service as healthDefinition } from "grpc-health-check";
import type { GrpcJsService } from "./grpc-js-service.js";

export type ServingStatus = "SERVING" | "NOT_SERVING";

interface HealthRequest {
  service: string;
}
interface HealthResponse {
  status: ServingStatus | "SERVICE_UNKNOWN";
}

export interface HealthService extends GrpcJsService {
  /** Sets the status of every registered service (and of the server, ""). */
  setAll(status: ServingStatus): void;
  /** Sets one service's status. */
  set(service: string, status: ServingStatus): void;
  status(service: string): ServingStatus | undefined;
  /** NOT_SERVING, then every Watch stream ends with UNAVAILABLE. */
  shutdown(): void;
}

/**
 * grpc.health.v1.Health with Check and Watch, per service. "" is the server as
 * a whole. Watch streams are tracked so shutdown can end them.
 */
export function createHealthService(services: readonly string[]): HealthService {
  const statuses = new Map<string, ServingStatus>(["", ...services].map((s) => [s, "SERVING"]));
  const watchers = new Map<ServerWritableStream<HealthRequest, HealthResponse>, string>();

  const set = (service: string, next: ServingStatus) => {
    if (statuses.get(service) === next) return;
    statuses.set(service, next);
    for (const [call, watched] of watchers) if (watched === service) call.write({ status: next });
  };
  const setAll = (next: ServingStatus) => {
    for (const service of statuses.keys()) set(service, next);
  };

  const implementation = {
    check(call: ServerUnaryCall<HealthRequest, HealthResponse>, callback: sendUnaryData<HealthResponse>) {
      const current = statuses.get(call.request.service);
      if (current === undefined) callback({ code: grpcStatus.NOT_FOUND, details: `unknown service "${call.request.service}"` });
      else callback(null, { status: current });
    },
    watch(call: ServerWritableStream<HealthRequest, HealthResponse>) {
      const service = call.request.service;
      watchers.set(call, service);
      call.on("cancelled", () => watchers.delete(call));
      call.write({ status: statuses.get(service) ?? "SERVICE_UNKNOWN" });
    },
  };

  return {
    definition: healthDefinition,
    implementation,
    setAll,
    set,
    status: (service) => statuses.get(service),
    shutdown() {
      setAll("NOT_SERVING");
      for (const call of watchers.keys()) call.emit("error", { code: grpcStatus.UNAVAILABLE, details: "server is shutting down" });
      watchers.clear();
    },
  };
}
