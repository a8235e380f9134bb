/** The fields of a peer certificate (node:tls PeerCertificate) a tenant is read from. */
export interface CertificateNames {
  subject?: { CN?: string | string[] } | undefined;
  /** Node's rendering: `DNS:a.example, URI:spiffe://example.org/tenant/a` (entries with specials JSON-quoted). */
  subjectaltname?: string | undefined;
}

export type CertificateTenantSource = "cn" | "san-uri";

export type CertificateTenant = { ok: true; tenant: string } | { ok: false; reason: string };

const maxTenantLength = 256;

/** Splits Node's subjectaltname into `[type, value]`, honouring JSON-quoted entries. */
export function subjectAltNames(text: string): Array<[string, string]> {
  const names: Array<[string, string]> = [];
  const entry = /\s*([A-Za-z][A-Za-z ]*):("(?:[^"\\]|\\.)*"|[^,]*)\s*(?:,|$)/gy;
  for (let match = entry.exec(text); match !== null && match[0] !== ""; match = entry.exec(text)) {
    const raw = match[2]!;
    let value = raw;
    if (raw.startsWith('"')) {
      try {
        value = JSON.parse(raw) as string;
      } catch {
        continue;
      }
    }
    names.push([match[1]!, value]);
  }
  return names;
}

function checked(tenant: string, what: string): CertificateTenant {
  if (tenant === "") return { ok: false, reason: `the client certificate's ${what} is empty` };
  if (tenant.length > maxTenantLength)
    return { ok: false, reason: `the client certificate's ${what} is longer than ${maxTenantLength} characters` };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(tenant)) return { ok: false, reason: `the client certificate's ${what} holds control characters` };
  return { ok: true, tenant };
}

/**
 * The tenant a verified client certificate names (`--auth-cert-tenant-from`):
 * `cn`, its subject's common name; `san-uri`, its first URI subject alternative name, whole
 * (`spiffe://example.org/ns/acme`). A certificate with none, or with several CNs, names no tenant:
 * the reason says why, for an UNAUTHENTICATED answer.
 */
export function tenantFromCertificate(certificate: CertificateNames, source: CertificateTenantSource): CertificateTenant {
  if (source === "cn") {
    const cn = certificate.subject?.CN;
    if (cn === undefined) return { ok: false, reason: "the client certificate has no subject common name (CN)" };
    if (Array.isArray(cn)) return { ok: false, reason: "the client certificate has more than one subject common name (CN)" };
    return checked(cn, "subject common name (CN)");
  }
  const uri = subjectAltNames(certificate.subjectaltname ?? "").find(([type]) => type === "URI");
  if (uri === undefined) return { ok: false, reason: "the client certificate has no URI subject alternative name" };
  return checked(uri[1], "URI subject alternative name");
}
