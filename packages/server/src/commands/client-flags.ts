import { readFileSync } from "node:fs";
import { createCheckpointdClient, type CheckpointdClient, type CheckpointdTlsOptions } from "@checkpointd/client";
import { CommandError } from "./command-error.js";

/** One flag every client verb takes: its environment variable and help, once (the verbs' usage text comes from here). */
export interface ClientFlag {
  readonly flag: `--${string}`;
  readonly env: string;
  readonly type: "string" | "boolean";
  readonly help: string;
}

/** The flags of the client verbs (the server's own settings are in config/settings.ts). */
export const clientFlags = {
  server: {
    flag: "--server",
    env: "CHECKPOINTD_SERVER",
    type: "string",
    help: "the server: host:port, http://host:port or https://host:port (default 127.0.0.1:50051)",
  },
  token: { flag: "--token", env: "CHECKPOINTD_TOKEN", type: "string", help: "sent as `authorization: Bearer <token>`" },
  tlsCaFile: { flag: "--tls-ca-file", env: "CHECKPOINTD_TLS_CA_FILE", type: "string", help: "PEM roots to trust (implies TLS)" },
  tlsCertFile: {
    flag: "--tls-cert-file",
    env: "CHECKPOINTD_TLS_CERT_FILE",
    type: "string",
    help: "PEM client certificate, for mutual TLS (implies TLS)",
  },
  tlsKeyFile: { flag: "--tls-key-file", env: "CHECKPOINTD_TLS_KEY_FILE", type: "string", help: "PEM key of --tls-cert-file" },
  json: { flag: "--json", env: "CHECKPOINTD_JSON", type: "boolean", help: "JSON for scripts instead of tables" },
} as const satisfies Record<string, ClientFlag>;

export type ClientFlagValues = {
  -readonly [K in keyof typeof clientFlags]?: (typeof clientFlags)[K]["type"] extends "boolean" ? boolean : string;
};

/** Each flag's value: the flag, else its environment variable. */
export function clientFlagValues(values: Record<string, unknown>, env: NodeJS.ProcessEnv): ClientFlagValues {
  const out: Record<string, string | boolean> = {};
  for (const [key, f] of Object.entries(clientFlags)) {
    const given = values[f.flag.slice(2)];
    const fromEnv = env[f.env];
    if (f.type === "boolean") {
      if (given === true || (given === undefined && fromEnv !== undefined && /^(1|true|yes)$/i.test(fromEnv))) out[key] = true;
    } else if (typeof given === "string") out[key] = given;
    else if (fromEnv !== undefined && fromEnv !== "") out[key] = fromEnv;
  }
  return out as ClientFlagValues;
}

function readPem(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new CommandError(`${flag}: cannot read ${path}: ${(error as Error).message}`);
  }
}

/** A client for the server the flags name, with the token and TLS they give. */
export function connectClient(flags: ClientFlagValues): CheckpointdClient {
  const address = flags.server ?? "127.0.0.1:50051";
  let tls: CheckpointdTlsOptions | undefined;
  if (flags.tlsCaFile !== undefined || flags.tlsCertFile !== undefined || flags.tlsKeyFile !== undefined) {
    if ((flags.tlsCertFile === undefined) !== (flags.tlsKeyFile === undefined)) {
      throw new CommandError("--tls-cert-file and --tls-key-file go together");
    }
    tls = {};
    if (flags.tlsCaFile !== undefined) tls.ca = readPem(flags.tlsCaFile, "--tls-ca-file");
    if (flags.tlsCertFile !== undefined) tls.cert = readPem(flags.tlsCertFile, "--tls-cert-file");
    if (flags.tlsKeyFile !== undefined) tls.key = readPem(flags.tlsKeyFile, "--tls-key-file");
  }
  const token = flags.token;
  try {
    return createCheckpointdClient({
      address,
      ...(tls === undefined ? {} : { tls }),
      ...(token === undefined ? {} : { headers: () => ({ authorization: `Bearer ${token}` }) }),
      listTimeoutMs: 0,
    });
  } catch (error) {
    throw new CommandError(`--server: ${(error as Error).message}`);
  }
}
