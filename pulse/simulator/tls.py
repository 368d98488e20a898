"""Self-signed certificates for the simulated servers, and their PVE-style fingerprints."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def format_fingerprint(der: bytes) -> str:
    """SHA-256 of a DER certificate as PVE shows it: ``AA:BB:...`` upper case."""
    h = hashes.Hash(hashes.SHA256())
    h.update(der)
    return ":".join(f"{b:02X}" for b in h.finalize())


@dataclass(frozen=True, slots=True)
class Certificate:
    cert_pem: bytes
    key_pem: bytes
    der: bytes
    fingerprint: str


def generate_certificate(hostname: str, ips: list[str], serial: int) -> Certificate:
    """An EC P-256 self-signed leaf (fast to make; PVE itself uses RSA, clients do not care)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "PVE Cluster Node"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{hostname}.localdomain"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    alt: list[x509.GeneralName] = [x509.DNSName(hostname), x509.DNSName("localhost")]
    alt += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=730))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    return Certificate(
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        der,
        format_fingerprint(der),
    )


class CertificateStore:
    """Writes certificates to a private temp directory (ssl needs files); builds contexts."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="pulse-sim-tls-")
        self._serial = 1000

    def server_context(self, hostname: str, ips: list[str]) -> tuple[ssl.SSLContext, Certificate]:
        self._serial += 1
        cert = generate_certificate(hostname, ips, self._serial)
        base = Path(self._dir.name) / f"{hostname}-{self._serial}"
        cert_path, key_path = base.with_suffix(".crt"), base.with_suffix(".key")
        cert_path.write_bytes(cert.cert_pem)
        key_path.touch(mode=0o600)
        key_path.write_bytes(cert.key_pem)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(cert_path, key_path)
        cert_path.unlink()
        key_path.unlink()
        return ctx, cert

    def close(self) -> None:
        self._dir.cleanup()
