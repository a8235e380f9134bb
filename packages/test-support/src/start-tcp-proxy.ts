import { once } from "node:events";
import { createConnection, createServer, type AddressInfo, type Socket } from "node:net";

/** A loopback TCP proxy the test controls: where it forwards, and cutting what passes through. */
export interface TcpProxy {
  readonly port: number;
  /** New connections go to this port from now on; open ones stay where they are. */
  retarget(port: number): void;
  /** Resets every open connection (both sides see ECONNRESET), as a failover or a cut link does. */
  resetAll(): void;
  close(): Promise<void>;
}

/** Listens on a free 127.0.0.1 port and forwards each connection to 127.0.0.1:`targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let target = targetPort;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: "127.0.0.1", port: target });
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on("close", () => open.delete(socket));
      socket.on("error", () => undefined);
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    retarget(port) {
      target = port;
    },
    resetAll() {
      for (const socket of open) socket.resetAndDestroy();
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
