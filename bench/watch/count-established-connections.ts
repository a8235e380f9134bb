import { readFileSync } from "node:fs";

/**
 * Established IPv4 TCP connections whose local port is `port` (from
 * /proc/net/tcp): for a server on 127.0.0.1, the connections it has accepted.
 */
export function countEstablishedConnections(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  let count = 0;
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    // fields: sl, local_address (IP:PORT in hex), rem_address, st (01 = ESTABLISHED), ...
    if (fields[1]?.endsWith(`:${hexPort}`) === true && fields[3] === "01") count++;
  }
  return count;
}
