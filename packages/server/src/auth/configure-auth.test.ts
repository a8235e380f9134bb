import { describe, expect, it } from "@jest/globals";
import type { PeerCertificate } from "node:tls";
import { pino } from "pino";
import { CheckpointService } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { ConfigError } from "../config/config-error.js";
import { ServiceError } from "../errors/service-error.js";
import { configureAuth } from "./configure-auth.js";

const logger = pino({ level: "silent" });
// The fields of node:tls's PeerCertificate the tenant is read from (the handshake verified it).
const certificateOf = (cn: string) => ({ subject: { CN: cn }, raw: Buffer.from("der") }) as unknown as PeerCertificate;

describe("configureAuth", () => {
  it("refuses a non-loopback host with no authentication at all", async () => {
    await expect(configureAuth({ host: "0.0.0.0" }, logger)).rejects.toBeInstanceOf(ConfigError);
  });

  it("counts mutual TLS as authentication: a non-loopback host starts, and a call's certificate names its tenant", async () => {
    const auth = await configureAuth({ host: "0.0.0.0", tlsClientCaFile: "/etc/checkpointd/client-ca.pem", authCertRole: "read" }, logger);
    try {
      const method = CheckpointService.method.getTuple;
      const identity = await auth.authenticator.authenticate({ authorization: [], peerCertificate: certificateOf("acme") }, method, {});
      expect([identity.tenant, identity.subject, [...identity.roles]]).toEqual(["acme", "certificate:acme", ["read"]]);
      // Without a certificate (and no token) nothing identifies the call.
      expect(() => auth.authenticator.authenticate({ authorization: [], peerCertificate: undefined }, method, {})).toThrow(ServiceError);
      // read: a Put is refused.
      expect(() =>
        auth.authenticator.authenticate({ authorization: [], peerCertificate: certificateOf("acme") }, CheckpointService.method.put, {}),
      ).toThrow("Put needs the write role; this credential has the read role");
    } finally {
      auth.close();
    }
  });
});
