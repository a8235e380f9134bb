import { connect } from "node:tls";

export interface ProbeTlsOptions {
  host?: string;
  port: number;
  /** PEM roots the server's certificate must chain to. */
  ca: string;
  /** A client certificate and key to present. */
  cert?: string;
  key?: string;
  /** Give up after this long (default 5 000 ms). */
  timeoutMs?: number;
}

/** How a TLS connection went: accepted (the server spoke HTTP/2 after the handshake) or refused. */
export type TlsProbe =
  | { accepted: true; fingerprint256: string; subjectCn: string | undefined }
  | { accepted: false; error: string; fingerprint256: string | undefined };

/**
 * Opens one TLS connection with ALPN h2 and waits for the server's first bytes (its HTTP/2
 * SETTINGS). Under TLS 1.3 a server that rejects the client's certificate says so only after the
 * client's side of the handshake is done, so "accepted" means the server sent data, not just
 * that the handshake completed.
 */
export function probeTls(options: ProbeTlsOptions): Promise<TlsProbe> {
  const host = options.host ?? "127.0.0.1";
  return new Promise((resolve) => {
    let fingerprint256: string | undefined;
    let subjectCn: string | undefined;
    const socket = connect({
      host,
      port: options.port,
      ca: options.ca,
      ...(options.cert === undefined ? {} : { cert: options.cert }),
      ...(options.key === undefined ? {} : { key: options.key }),
      ALPNProtocols: ["h2"],
      servername: host === "127.0.0.1" || host === "::1" ? "localhost" : host,
    });
    const finish = (result: TlsProbe) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => finish({ accepted: false, error: `no answer within ${options.timeoutMs ?? 5_000} ms`, fingerprint256 }),
      options.timeoutMs ?? 5_000,
    );
    socket.once("secureConnect", () => {
      const certificate = socket.getPeerCertificate();
      fingerprint256 = certificate.fingerprint256;
      const cn = certificate.subject?.CN;
      subjectCn = Array.isArray(cn) ? cn.join(",") : cn;
    });
    socket.once("data", () => {
      if (fingerprint256 !== undefined) finish({ accepted: true, fingerprint256, subjectCn });
    });
    socket.once("error", (error) => finish({ accepted: false, error: error.message, fingerprint256 }));
    socket.once("close", () => finish({ accepted: false, error: "closed by the server", fingerprint256 }));
  });
}
