/**
 * Child-process entry: serves the stub with one library on 127.0.0.1 and
 * talks to the runner over IPC. Usage (normally via spawnStubServer):
 *   node --import tsx transport/stub-server-main.ts <grpc-js|connect-node> [port]
 */
import { startStubServer } from "./start-stub-server.js";
import type { StubServerCommand, StubServerMessage } from "./stub-server-message.js";
import { isTransportLibrary } from "./transport-library.js";

const [library = "", portArg = "0"] = process.argv.slice(2);
const send = (message: StubServerMessage) => (process.send ? process.send(message) : console.log(JSON.stringify(message)));

if (!isTransportLibrary(library)) {
  send({ type: "failed", error: `unknown library ${JSON.stringify(library)}` });
  process.exit(2);
}

const server = await startStubServer(library, "127.0.0.1", Number(portArg));

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  // Never hang on a lingering connection.
  setTimeout(() => process.exit(0), 2000).unref();
  await server.close();
  process.exit(0);
}

process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
// The runner went away: do not outlive it.
process.on("disconnect", () => void stop());
process.on("message", (command: StubServerCommand) => {
  if (command.type === "stop") void stop();
  else if (command.type === "usage") {
    const cpu = process.cpuUsage();
    send({ type: "usage", cpuMicros: cpu.user + cpu.system, rssBytes: process.memoryUsage.rss() });
  }
});

send({ type: "ready", port: server.port });
