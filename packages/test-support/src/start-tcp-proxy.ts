import { once } from "node:events";
import { createConnection, createServer, type AddressInfo, type Socket } from "node:net";

/**
 * How a cut link behaves: `reset` closes every connection with a reset and refuses new ones;
 * `drop` delivers nothing in either direction and leaves the connections open (packets lost on
 * the way, which TCP keeps retransmitting): what was sent arrives, in order, once healed.
 */
export type CutMode = "reset" | "drop";

/** A loopback TCP proxy the test controls: where it forwards, and cutting what passes through. */
export interface TcpProxy {
  readonly port: number;
  /** New connections go to this port from now on; open ones stay where they are. */
  retarget(port: number): void;
  /** Resets every open connection (both sides see ECONNRESET), as a failover or a cut link does. */
  resetAll(): void;
  /** Cuts the link until heal(). */
  cut(mode: CutMode): void;
  heal(): void;
  close(): Promise<void>;
}

interface Link {
  client: Socket;
  upstream: Socket | undefined;
  /** Bytes held back while the link is cut (drop), per direction. */
  toUpstream: Buffer[];
  toClient: Buffer[];
}

/** Listens on a free 127.0.0.1 port and forwards each connection to 127.0.0.1:`targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let target = targetPort;
  let cutMode: CutMode | undefined;
  const links = new Set<Link>();

  const connectUpstream = (link: Link) => {
    const upstream = createConnection({ host: "127.0.0.1", port: target });
    link.upstream = upstream;
    upstream.on("error", () => undefined);
    upstream.on("data", (chunk: Buffer) => {
      if (cutMode === "drop") link.toClient.push(chunk);
      else link.client.write(chunk);
    });
    upstream.on("close", () => {
      link.client.destroy();
      links.delete(link);
    });
    for (const chunk of link.toUpstream.splice(0)) upstream.write(chunk);
  };

  const server = createServer((client) => {
    client.on("error", () => undefined);
    if (cutMode === "reset") {
      client.resetAndDestroy();
      return;
    }
    const link: Link = { client, upstream: undefined, toUpstream: [], toClient: [] };
    links.add(link);
    client.on("data", (chunk: Buffer) => {
      if (cutMode === "drop" || link.upstream === undefined) link.toUpstream.push(chunk);
      else link.upstream.write(chunk);
    });
    client.on("close", () => {
      link.upstream?.destroy();
      links.delete(link);
    });
    if (cutMode !== "drop") connectUpstream(link);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");

  const resetAll = () => {
    for (const link of links) {
      link.client.resetAndDestroy();
      link.upstream?.resetAndDestroy();
    }
    links.clear();
  };
  return {
    port: (server.address() as AddressInfo).port,
    retarget(port) {
      target = port;
    },
    resetAll,
    cut(mode) {
      cutMode = mode;
      if (mode === "reset") resetAll();
    },
    heal() {
      cutMode = undefined;
      for (const link of links) {
        if (link.upstream === undefined) connectUpstream(link);
        else for (const chunk of link.toUpstream.splice(0)) link.upstream.write(chunk);
        for (const chunk of link.toClient.splice(0)) link.client.write(chunk);
      }
    },
    async close() {
      for (const link of links) {
        link.client.destroy();
        link.upstream?.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
