import { writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWTPayload } from "jose";

export type SigningKey = "file-rsa" | "url-ec" | "stranger";

export interface SignOptions {
  /** Which key signs (default "file-rsa", in the JWKS file; "url-ec" is served at jwksUrl; "stranger" is in neither). */
  key?: SigningKey;
  /** Seconds from now; negative: already expired (default 600). */
  expiresIn?: number;
  /** Seconds from now the token becomes valid. */
  notBefore?: number;
  issuer?: string;
  audience?: string;
  subject?: string;
}

export interface JwtIssuer {
  readonly issuer: string;
  readonly audience: string;
  /** A JWKS file with the RS256 key. */
  readonly jwksFile: string;
  /** A JWKS with the ES256 key, served on 127.0.0.1. */
  readonly jwksUrl: string;
  /** How many times the JWKS URL was fetched. */
  fetches(): number;
  sign(claims: JWTPayload, options?: SignOptions): Promise<string>;
  /** `alg: none`. */
  unsigned(claims: JWTPayload): string;
  /** HS256 with the RSA public key (PEM) as the HMAC secret: the classic algorithm-confusion attack. */
  signedWithPublicKeyAsSecret(claims: JWTPayload): Promise<string>;
  close(): Promise<void>;
}

interface Signer {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
}

/** An issuer of JWTs for tests: RS256 and ES256 key pairs made here, their JWKS in `dir` and on a tiny HTTP server. */
export async function startJwtIssuer(dir: string): Promise<JwtIssuer> {
  const rsa = await generateKeyPair("RS256", { extractable: true });
  const ec = await generateKeyPair("ES256", { extractable: true });
  const stranger = await generateKeyPair("RS256");
  const jwk = async (key: CryptoKey, alg: string, kid: string) => ({ ...(await exportJWK(key)), alg, kid, use: "sig" });
  const jwksFile = join(dir, "jwks.json");
  await writeFile(jwksFile, JSON.stringify({ keys: [await jwk(rsa.publicKey, "RS256", "file-rsa")] }));
  const served = JSON.stringify({ keys: [await jwk(ec.publicKey, "ES256", "url-ec")] });
  let fetches = 0;
  const server = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { "content-type": "application/json" }).end(served);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  const signers: Record<SigningKey, Signer> = {
    "file-rsa": { alg: "RS256", kid: "file-rsa", privateKey: rsa.privateKey },
    "url-ec": { alg: "ES256", kid: "url-ec", privateKey: ec.privateKey },
    // Claims the file key's kid: the signature, not the kid, must decide.
    stranger: { alg: "RS256", kid: "file-rsa", privateKey: stranger.privateKey },
  };
  const issuer = "https://issuer.test";
  const audience = "checkpointd-test";
  const publicPem = await exportSPKI(rsa.publicKey);
  const now = () => Math.floor(Date.now() / 1000);
  return {
    issuer,
    audience,
    jwksFile,
    jwksUrl,
    fetches: () => fetches,
    async sign(claims, options = {}) {
      const signer = signers[options.key ?? "file-rsa"];
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: signer.alg, kid: signer.kid })
        .setIssuedAt()
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? audience)
        .setSubject(options.subject ?? "user-1")
        .setExpirationTime(now() + (options.expiresIn ?? 600));
      if (options.notBefore !== undefined) jwt.setNotBefore(now() + options.notBefore);
      return jwt.sign(signer.privateKey);
    },
    unsigned: (claims) =>
      new UnsecuredJWT(claims)
        .setIssuer(issuer)
        .setAudience(audience)
        .setExpirationTime(now() + 600)
        .encode(),
    signedWithPublicKeyAsSecret: (claims) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256", kid: "file-rsa" })
        .setIssuer(issuer)
        .setAudience(audience)
        .setExpirationTime(now() + 600)
        .sign(new TextEncoder().encode(publicPem)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
