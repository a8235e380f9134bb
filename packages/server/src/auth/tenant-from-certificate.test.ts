import { describe, expect, test } from "@jest/globals";
import { subjectAltNames, tenantFromCertificate } from "./tenant-from-certificate.js";

describe("tenantFromCertificate", () => {
  test("cn: the subject's common name", () => {
    expect(tenantFromCertificate({ subject: { CN: "acme" } }, "cn")).toEqual({ ok: true, tenant: "acme" });
    expect(tenantFromCertificate({ subject: { CN: "acme" }, subjectaltname: "URI:spiffe://x/y" }, "cn")).toEqual({
      ok: true,
      tenant: "acme",
    });
  });

  test("cn: none, several or unusable CNs name no tenant, with a reason", () => {
    expect(tenantFromCertificate({ subject: {} }, "cn")).toEqual({
      ok: false,
      reason: "the client certificate has no subject common name (CN)",
    });
    expect(tenantFromCertificate({}, "cn").ok).toBe(false);
    expect(tenantFromCertificate({ subject: { CN: ["a", "b"] } }, "cn")).toEqual({
      ok: false,
      reason: "the client certificate has more than one subject common name (CN)",
    });
    expect(tenantFromCertificate({ subject: { CN: "" } }, "cn")).toMatchObject({ ok: false, reason: expect.stringContaining("empty") });
    expect(tenantFromCertificate({ subject: { CN: "a\u0000b" } }, "cn")).toMatchObject({
      ok: false,
      reason: expect.stringContaining("control"),
    });
    expect(tenantFromCertificate({ subject: { CN: "x".repeat(257) } }, "cn")).toMatchObject({
      ok: false,
      reason: expect.stringContaining("longer"),
    });
  });

  test("san-uri: the first URI subject alternative name, whole", () => {
    const subjectaltname = "DNS:client.example, IP Address:127.0.0.1, URI:spiffe://example.org/tenant/acme, URI:https://second";
    expect(tenantFromCertificate({ subject: { CN: "ignored" }, subjectaltname }, "san-uri")).toEqual({
      ok: true,
      tenant: "spiffe://example.org/tenant/acme",
    });
  });

  test("san-uri: a JSON-quoted entry (Node quotes values with commas) is unquoted", () => {
    expect(tenantFromCertificate({ subjectaltname: 'DNS:a, URI:"urn:t:a,b"' }, "san-uri")).toEqual({ ok: true, tenant: "urn:t:a,b" });
  });

  test("san-uri: no URI name, no tenant", () => {
    expect(tenantFromCertificate({ subject: { CN: "acme" }, subjectaltname: "DNS:acme" }, "san-uri")).toEqual({
      ok: false,
      reason: "the client certificate has no URI subject alternative name",
    });
    expect(tenantFromCertificate({ subject: { CN: "acme" } }, "san-uri").ok).toBe(false);
  });

  test("subjectAltNames splits Node's rendering and survives garbage", () => {
    expect(subjectAltNames("DNS:localhost, IP Address:127.0.0.1")).toEqual([
      ["DNS", "localhost"],
      ["IP Address", "127.0.0.1"],
    ]);
    expect(subjectAltNames("")).toEqual([]);
    expect(subjectAltNames(',,,:"')).toEqual([]);
    expect(subjectAltNames('URI:"unterminated')).toEqual([]);
  });

  test("2,000 hostile names: an answer every time, never a throw, never an empty or control-character tenant", () => {
    let seed = 16;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    const pieces = ["URI:", "DNS:", "IP Address:", ",", ", ", '"', "\\", "\u0000", "\n", "é", "🙂", "spiffe://x/y", "a".repeat(300), ""];
    const text = () => Array.from({ length: next() % 8 }, () => pieces[next() % pieces.length]).join("");
    for (let i = 0; i < 2_000; i++) {
      const cn = next() % 3 === 0 ? [text(), text()] : text();
      for (const source of ["cn", "san-uri"] as const) {
        const result = tenantFromCertificate({ subject: next() % 5 === 0 ? undefined : { CN: cn }, subjectaltname: text() }, source);
        if (result.ok) {
          expect(result.tenant).not.toBe("");
          expect(result.tenant.length).toBeLessThanOrEqual(256);
          expect(result.tenant).not.toMatch(/[\u0000-\u001f\u007f]/);
        } else {
          expect(result.reason).toMatch(/^the client certificate(.s)? /);
        }
      }
    }
  });
});
