/** The gRPC server libraries under comparison. */
export const transportLibraries = ["grpc-js", "connect-node"] as const;

export type TransportLibrary = (typeof transportLibraries)[number];

export function isTransportLibrary(value: string): value is TransportLibrary {
  return (transportLibraries as readonly string[]).includes(value);
}
