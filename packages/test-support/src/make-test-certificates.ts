import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand } from "./run-command.js";

/** A key and a certificate as PEM files, and their text. */
export interface CertificateFiles {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

export interface IssueOptions {
  /** File names in the CA's directory: `<name>.crt`, `<name>.key`. */
  name: string;
  commonName: string;
  /** subjectAltName entries as openssl writes them: `DNS:localhost`, `IP:127.0.0.1`, `URI:spiffe://x/y`. */
  altNames?: readonly string[];
  /** Valid from now for this many days (default 2). */
  days?: number;
}

/** A throwaway certificate authority that issues server and client certificates with `openssl`. */
export interface TestCertificateAuthority extends CertificateFiles {
  dir: string;
  issue(options: IssueOptions): Promise<CertificateFiles>;
}

const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function filesOf(certFile: string, keyFile: string): Promise<CertificateFiles> {
  return { certFile, keyFile, cert: await readFile(certFile, "utf8"), key: await readFile(keyFile, "utf8") };
}

/** A self-signed CA (P-256, 2 days) in `dir`, its files named after `name`. */
export async function createTestCertificateAuthority(dir: string, name: string): Promise<TestCertificateAuthority> {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  await runCommand("openssl", [
    "req",
    "-x509",
    ...ecKey,
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    keyFile,
    "-out",
    certFile,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  return {
    ...(await filesOf(certFile, keyFile)),
    dir,
    async issue(options) {
      const base = join(dir, options.name);
      const extensions = [
        "basicConstraints=CA:FALSE",
        "keyUsage=critical,digitalSignature",
        "extendedKeyUsage=serverAuth,clientAuth",
        ...(options.altNames === undefined || options.altNames.length === 0 ? [] : [`subjectAltName=${options.altNames.join(",")}`]),
      ];
      await writeFile(`${base}.ext`, `${extensions.join("\n")}\n`);
      await runCommand("openssl", [
        "req",
        "-new",
        ...ecKey,
        "-subj",
        `/CN=${options.commonName}`,
        "-keyout",
        `${base}.key`,
        "-out",
        `${base}.csr`,
      ]);
      await runCommand("openssl", [
        "x509",
        "-req",
        "-in",
        `${base}.csr`,
        "-CA",
        certFile,
        "-CAkey",
        keyFile,
        "-set_serial",
        `0x${randomBytes(8).toString("hex")}`,
        "-days",
        String(options.days ?? 2),
        "-extfile",
        `${base}.ext`,
        "-out",
        `${base}.crt`,
      ]);
      return filesOf(`${base}.crt`, `${base}.key`);
    },
  };
}

/** The certificates a TLS test needs, in a fresh temporary directory. */
export interface TestCertificates {
  dir: string;
  /** The CA the server trusts for client certificates, and that signed the server's. */
  ca: TestCertificateAuthority;
  /** A CA nobody trusts. */
  otherCa: TestCertificateAuthority;
  /** For 127.0.0.1, ::1 and localhost, signed by `ca`. */
  server: CertificateFiles;
  /** CN `tenant-a`, URI SAN `spiffe://checkpointd.test/tenant/a`, signed by `ca`. */
  client: CertificateFiles;
  /** CN `tenant-a` too, signed by `otherCa`. */
  otherClient: CertificateFiles;
  /** Removes the directory. */
  remove(): Promise<void>;
}

export const loopbackAltNames = ["DNS:localhost", "IP:127.0.0.1", "IP:::1"] as const;

export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), "checkpointd-certs-"));
  const ca = await createTestCertificateAuthority(dir, "test-ca");
  const otherCa = await createTestCertificateAuthority(dir, "other-ca");
  const server = await ca.issue({ name: "server", commonName: "localhost", altNames: loopbackAltNames });
  const client = await ca.issue({ name: "client", commonName: "tenant-a", altNames: ["URI:spiffe://checkpointd.test/tenant/a"] });
  const otherClient = await otherCa.issue({ name: "other-client", commonName: "tenant-a" });
  return { dir, ca, otherCa, server, client, otherClient, remove: () => rm(dir, { recursive: true, force: true }) };
}
