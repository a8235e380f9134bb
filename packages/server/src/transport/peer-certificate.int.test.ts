import { request as http1Request } from "node:https";
import { connect as http2Connect } from "node:http2";
import type { PeerCertificate } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Client, credentials, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition } from "@grpc/grpc-js";
import { makeTestCertificates, type TestCertificates } from "@checkpointd/test-support";
import { startGrpcJsServer } from "./grpc-js-server.js";
import { listenHttps } from "./listen-https.js";
import { peerCertificateOfCall, peerCertificateOfRequest } from "./peer-certificate.js";
import { tenantFromCertificate } from "../auth/tenant-from-certificate.js";
import { watchTlsFiles, type TlsFiles } from "./tls-files.js";

const who: ServiceDefinition = {
  who: {
    path: "/test.Who/Who",
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: Buffer) => value,
    requestDeserialize: (bytes: Buffer) => bytes,
    responseSerialize: (value: Buffer) => value,
    responseDeserialize: (bytes: Buffer) => bytes,
  },
};

/** What a handler saw of the caller's certificate: its tenant in both modes, or "none". */
function describeCertificate(certificate: PeerCertificate | undefined): string {
  if (certificate === undefined) return "none";
  const cn = tenantFromCertificate(certificate, "cn");
  const uri = tenantFromCertificate(certificate, "san-uri");
  return `${cn.ok ? cn.tenant : cn.reason} | ${uri.ok ? uri.tenant : uri.reason}`;
}

describe("the verified peer certificate of a call, on both transports", () => {
  let certs: TestCertificates;
  const running: Array<{ close(): Promise<void> }> = [];
  const tlsFiles: TlsFiles[] = [];

  beforeAll(async () => {
    certs = await makeTestCertificates();
  });
  afterAll(async () => {
    for (const server of running) await server.close();
    for (const files of tlsFiles) files.close();
    await certs?.remove();
  });

  async function serve(clientCa: boolean) {
    const files = watchTlsFiles({
      certFile: certs.server.certFile,
      keyFile: certs.server.keyFile,
      ...(clientCa ? { clientCaFile: certs.ca.certFile } : {}),
    });
    tlsFiles.push(files);
    const grpc = await startGrpcJsServer({
      host: "127.0.0.1",
      port: 0,
      maxMessageBytes: 1 << 20,
      tls: files,
      services: [
        {
          definition: who,
          implementation: {
            who: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) =>
              callback(null, Buffer.from(describeCertificate(peerCertificateOfCall(call)))),
          },
        },
      ],
    });
    running.push({ close: () => grpc.shutdown(0) });
    const http = await listenHttps("127.0.0.1", 0, files, (req, res) => {
      res.end(describeCertificate(peerCertificateOfRequest(req)));
    });
    running.push({ close: () => http.close(0) });
    return { grpcPort: grpc.port, httpPort: http.port };
  }

  function askGrpc(port: number, withCertificate: boolean): Promise<string> {
    const creds = withCertificate
      ? credentials.createSsl(Buffer.from(certs.ca.cert), Buffer.from(certs.client.key), Buffer.from(certs.client.cert))
      : credentials.createSsl(Buffer.from(certs.ca.cert));
    const client = new Client(`localhost:${port}`, creds);
    return new Promise<string>((resolve, reject) => {
      client.makeUnaryRequest(
        "/test.Who/Who",
        (value: Buffer) => value,
        (bytes: Buffer) => bytes,
        Buffer.alloc(0),
        (error, value) => {
          client.close();
          if (error) reject(error);
          else resolve(value!.toString());
        },
      );
    });
  }

  function askHttp2(port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const session = http2Connect(`https://localhost:${port}`, { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key });
      session.on("error", reject);
      const stream = session.request({ ":path": "/" });
      let body = "";
      stream.on("data", (chunk: Buffer) => (body += chunk.toString()));
      stream.on("end", () => {
        session.close();
        resolve(body);
      });
      stream.end();
    });
  }

  function askHttp1(port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = http1Request(
        { host: "localhost", port, path: "/", ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key, agent: false },
        (res) => {
          let body = "";
          res.on("data", (chunk: Buffer) => (body += chunk.toString()));
          res.on("end", () => resolve(body));
        },
      );
      req.on("error", reject);
      req.end();
    });
  }

  const expected = "tenant-a | spiffe://checkpointd.test/tenant/a";

  it("with mutual TLS: the client's certificate, on the gRPC port, and on HTTP/2 and HTTP/1.1 of the HTTP port", async () => {
    const { grpcPort, httpPort } = await serve(true);
    expect(await askGrpc(grpcPort, true)).toBe(expected);
    expect(await askHttp2(httpPort)).toBe(expected);
    expect(await askHttp1(httpPort)).toBe(expected);
  });

  it("without a client CA: no certificate is asked for, none is reported", async () => {
    const { grpcPort, httpPort } = await serve(false);
    expect(await askGrpc(grpcPort, true)).toBe("none");
    expect(await askGrpc(grpcPort, false)).toBe("none");
    expect(await askHttp2(httpPort)).toBe("none");
    expect(await askHttp1(httpPort)).toBe("none");
  });
});
