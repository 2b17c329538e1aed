"""A throwaway demo CA and unit signing certificate (``seed-demo``, ``--demo``, self-test).

Written to ``<dir>/demo-ca.pem`` (trust root) and ``<dir>/demo-unit.p12`` (key + certificate +
chain). The PKCS#12 password is the documented :data:`DEMO_SIGNING_PASSWORD` — these keys sign
nothing real; production units configure their own PKCS#12 whose password comes from the
environment or the keyring only. The unit certificate carries the non-repudiation key usage
that PAdES validators expect.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

__all__ = ["DEMO_SIGNING_PASSWORD", "DemoPki", "create_demo_pki", "ensure_demo_pki"]

DEMO_SIGNING_PASSWORD = "demo-signing-only"  # noqa: S105 - documented, demo keys only
CA_FILE, P12_FILE = "demo-ca.pem", "demo-unit.p12"


@dataclass(frozen=True)
class DemoPki:
    directory: Path
    ca_cert: Path
    unit_p12: Path
    password: str = DEMO_SIGNING_PASSWORD


def _name(common: str, unit: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, unit),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def create_demo_pki(
    directory: Path, unit_name: str = "济南市公安局交通警察支队（演示）", *, years: int = 5
) -> DemoPki:
    """Create a new CA and unit certificate in ``directory`` (overwrites a previous pair)."""
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC) - timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Officer Console Demo Root CA", unit_name)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365 * years + 30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    unit_key = ec.generate_private_key(ec.SECP256R1())
    unit_cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{unit_name[:16]}电子签章", unit_name))
        .issuer_name(ca_name)
        .public_key(unit_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            # digital_signature, content_commitment (non-repudiation)
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(unit_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, p12_path = directory / CA_FILE, directory / P12_FILE
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    blob = pkcs12.serialize_key_and_certificates(
        b"unit",
        unit_key,
        unit_cert,
        [ca_cert],
        serialization.BestAvailableEncryption(DEMO_SIGNING_PASSWORD.encode()),
    )
    tmp = p12_path.with_suffix(".tmp")
    tmp.write_bytes(blob)
    os.chmod(tmp, 0o600)
    tmp.replace(p12_path)
    return DemoPki(directory, ca_path, p12_path)


def ensure_demo_pki(data_dir: Path) -> DemoPki:
    """The data directory's demo PKI (``<data_dir>/signing``), created on first use."""
    directory = data_dir / "signing"
    if (directory / CA_FILE).is_file() and (directory / P12_FILE).is_file():
        return DemoPki(directory, directory / CA_FILE, directory / P12_FILE)
    return create_demo_pki(directory)
