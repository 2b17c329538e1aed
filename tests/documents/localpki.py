"""A real PKI on loopback for the PAdES B-LTA tests: certomancer (from the pyHanko project)
issues a root, the unit's signing certificate (with CRL and OCSP URLs), an OCSP responder and
a TSA, and its Animator (WSGI) serves the OCSP, CRL and RFC 3161 endpoints over HTTP on an
ephemeral port — the real protocols pyHanko speaks to production services."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

PASSWORD = "lta-test"
ARCH = "unit-pki"
_VALID = {"valid-from": "2020-01-01T00:00:00+0000", "valid-to": "2060-01-01T00:00:00+0000"}
# The unit's certificate lives a few years, like a real one: validating "years later" happens
# after it expired, on the strength of the timestamps and the validation data in the file.
UNIT_VALID = {"valid-from": "2025-01-01T00:00:00+0000", "valid-to": "2030-01-01T00:00:00+0000"}


@dataclass(frozen=True)
class LocalPki:
    base_url: str
    tsa_url: str
    root: Path  # PEM: trust root of the unit certificate, the OCSP responder and the TSA
    unit_p12: Path
    password: str


def _key(path: Path) -> dict[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return {"path": str(path)}


def _key_usage(*usages: str) -> dict[str, Any]:
    return {
        "id": "key_usage",
        "critical": True,
        "smart-value": {"schema": "key-usage", "params": list(usages)},
    }


def _config(directory: Path, prefix: str) -> dict[str, Any]:
    keys = {name: _key(directory / f"{name}.key.pem") for name in ("root", "ocsp", "tsa", "unit")}
    revocation = [
        {
            "id": "crl_distribution_points",
            "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["root"]}},
        },
        {
            "id": "authority_information_access",
            "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": ["root"]}},
        },
    ]
    return {
        "external-url-prefix": prefix,
        "keysets": {ARCH: {"keys": keys}},
        "pki-architectures": {
            ARCH: {
                "keyset": ARCH,
                "entity-defaults": {"country-name": "CN", "organization-name": "测试公安局"},
                "entities": {
                    "root": {"common-name": "Test Unit Root CA"},
                    "ocsp": {"common-name": "Test OCSP Responder"},
                    "tsa": {"common-name": "Test TSA"},
                    "unit": {"common-name": "济南市公安局交通警察支队历下区大队（测试）"},
                },
                "certs": {
                    "root": {
                        "subject": "root",
                        "subject-key": "root",
                        "issuer": "root",
                        "authority-key": "root",
                        "validity": _VALID,
                        "extensions": [
                            {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                            _key_usage("digital_signature", "key_cert_sign", "crl_sign"),
                        ],
                    },
                    "ocsp": {
                        "issuer": "root",
                        "validity": _VALID,
                        "extensions": [
                            _key_usage("digital_signature"),
                            {
                                "id": "extended_key_usage",
                                "critical": True,
                                "value": ["ocsp_signing"],
                            },
                            {"id": "ocsp_no_check"},
                        ],
                    },
                    "tsa": {
                        "issuer": "root",
                        "validity": _VALID,
                        "extensions": [
                            _key_usage("digital_signature"),
                            {
                                "id": "extended_key_usage",
                                "critical": True,
                                "value": ["time_stamping"],
                            },
                            *revocation,
                        ],
                    },
                    "unit": {
                        "issuer": "root",
                        "validity": UNIT_VALID,
                        "extensions": [
                            _key_usage("digital_signature", "non_repudiation"),
                            *revocation,
                        ],
                    },
                },
                "services": {
                    "ocsp": {
                        "root": {
                            "for-issuer": "root",
                            "responder-cert": "ocsp",
                            "signing-key": "ocsp",
                        }
                    },
                    "crl-repo": {
                        "root": {
                            "for-issuer": "root",
                            "signing-key": "root",
                            "simulated-update-schedule": "P30D",
                        }
                    },
                    "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
                },
            }
        },
    }


@contextmanager
def running_pki(directory: Path) -> Iterator[LocalPki]:
    """Serve the PKI until the block ends; the files it yields live in ``directory``."""
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import CertomancerConfig
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per OCSP/CRL request
    holder: dict[str, Callable[..., Any]] = {}

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return holder["app"](environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    prefix = f"http://127.0.0.1:{server.server_port}"
    directory.mkdir(parents=True, exist_ok=True)
    config = CertomancerConfig(_config(directory, prefix), key_search_dir=str(directory))
    arch = config.get_pki_arch(ARCH)  # type: ignore[arg-type]
    holder["app"] = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False)
    root = directory / "root.pem"
    root.write_bytes(arch.get_cert("root").dump())  # type: ignore[arg-type]
    p12 = directory / "unit.p12"
    p12.write_bytes(arch.package_pkcs12("unit", password=PASSWORD.encode()))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LocalPki(prefix, f"{prefix}/{ARCH}/tsa/tsa", root, p12, PASSWORD)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
