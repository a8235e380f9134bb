"""Throwaway certificates made with ``openssl`` (as packages/test-support's makeTestCertificates):
a CA, a server certificate for localhost/127.0.0.1, a client certificate from that CA and one
from another CA."""

from __future__ import annotations

import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

_EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


@dataclass(frozen=True)
class Pem:
    cert_file: Path
    key_file: Path

    @property
    def cert(self) -> bytes:
        return self.cert_file.read_bytes()

    @property
    def key(self) -> bytes:
        return self.key_file.read_bytes()


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_ca(directory: Path, name: str) -> Pem:
    pem = Pem(directory / f"{name}.crt", directory / f"{name}.key")
    _openssl("req", "-x509", *_EC_KEY, "-days", "2", "-subj", f"/CN={name}", "-keyout", str(pem.key_file),
             "-out", str(pem.cert_file), "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    return pem


def issue(ca: Pem, directory: Path, name: str, common_name: str, alt_names: list[str] | None = None) -> Pem:
    base = directory / name
    extensions = [
        "basicConstraints=CA:FALSE",
        "keyUsage=critical,digitalSignature",
        "extendedKeyUsage=serverAuth,clientAuth",
    ]
    if alt_names:
        extensions.append("subjectAltName=" + ",".join(alt_names))
    Path(f"{base}.ext").write_text("\n".join(extensions) + "\n")
    _openssl("req", "-new", *_EC_KEY, "-subj", f"/CN={common_name}", "-keyout", f"{base}.key", "-out", f"{base}.csr")
    _openssl("x509", "-req", "-in", f"{base}.csr", "-CA", str(ca.cert_file), "-CAkey", str(ca.key_file),
             "-set_serial", f"0x{secrets.token_hex(8)}", "-days", "2",
             "-extfile", f"{base}.ext", "-out", f"{base}.crt")  # fmt: skip
    return Pem(Path(f"{base}.crt"), Path(f"{base}.key"))


@dataclass(frozen=True)
class Certificates:
    ca: Pem
    server: Pem
    client: Pem
    other_client: Pem


def make_certificates(directory: Path) -> Certificates:
    ca = make_ca(directory, "test-ca")
    other_ca = make_ca(directory, "other-ca")
    return Certificates(
        ca=ca,
        server=issue(ca, directory, "server", "localhost", ["DNS:localhost", "IP:127.0.0.1"]),
        client=issue(ca, directory, "client", "tenant-a"),
        other_client=issue(other_ca, directory, "other-client", "tenant-a"),
    )
