/** What the stub server child and the runner say to each other over the IPC channel. */
export type StubServerMessage =
  { type: "ready"; port: number } | { type: "usage"; cpuMicros: number; rssBytes: number } | { type: "failed"; error: string };

export type StubServerCommand = { type: "usage" } | { type: "stop" };
