import { ServerCredentials } from "@grpc/grpc-js";
import type { SecureContextOptions } from "node:tls";
import type { TlsFiles, TlsMaterial } from "./tls-files.js";

function contextOptions(material: TlsMaterial): SecureContextOptions {
  return material.ca === undefined
    ? { cert: material.cert, key: material.key }
    : { cert: material.cert, key: material.key, ca: material.ca };
}

/**
 * grpc-js server credentials that follow the TLS files: grpc-js hands every update to its
 * server's `setSecureContext`, so new connections get the new certificate and open ones keep
 * theirs. With a client CA, a client without a certificate that CA signed fails the handshake.
 */
class WatchedServerCredentials extends ServerCredentials {
  constructor(files: TlsFiles) {
    super(
      { requestCert: files.requireClientCertificate, rejectUnauthorized: files.requireClientCertificate },
      contextOptions(files.current()),
    );
    files.subscribe((material) => this.updateSecureContextOptions(contextOptions(material)));
  }

  _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

export function createWatchedServerCredentials(files: TlsFiles): ServerCredentials {
  return new WatchedServerCredentials(files);
}
