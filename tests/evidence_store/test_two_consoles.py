"""Two consoles (own data dirs, one database, one bucket) each read the other's evidence."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from officer_console.config import load_settings
from officer_console.evidence_store import IntegrityFailure, open_store
from officer_console.evidence_store.factory import spool_dir
from officer_console.evidence_store.reading import fetch_to_file, read_verified
from officer_console.store.evidence import rows
from officer_console.video.handoff import upload_pending
from tests.evidence_store.spool import evidence_row, runner, seed, spooled_recording
from tests.servers.s3_server import S3Server

pytestmark = pytest.mark.both_backends  # the backend matters here (docs/testing.md)

PDF = b"%PDF-1.4\n% decision of console B\n%%EOF\n"


def test_two_consoles_read_each_others_recordings_and_documents(
    factory: sessionmaker[Session], s3_server: S3Server, tmp_path: Path
) -> None:
    bucket = s3_server.bucket(lock=True)

    def console(name: str):
        settings = load_settings(
            env=s3_server.env(),
            data_dir=tmp_path / name,
            evidence_store="s3",
            s3_endpoint=s3_server.endpoint,
            s3_bucket=bucket,
            s3_retention_days=1,
            workstation=name,
        )
        return settings, open_store(settings, env=s3_server.env())

    settings_a, store_a = console("ws-a")
    _, store_b = console("ws-b")
    actor_a, appointment_id = seed(factory, "ws-a")
    # A records a call and hands it off; B writes a decision PDF straight to the store.
    _, recording_id = spooled_recording(
        factory, actor_a, appointment_id, spool_dir(settings_a), size=1 << 20
    )
    (outcome,) = upload_pending(store_a, spool_dir(settings_a), runner(factory), actor_a)
    assert outcome.outcome == "stored"

    def write_document(s: Session) -> int:
        put = store_b.put_bytes("decisions/2026/37010220260000001.pdf", PDF)
        return rows.record_document(
            s,
            actor_a,
            kind="decision",
            key=put.key,
            sha256=put.sha256,
            size=put.size,
            stored_in=store_b.kind,
            appointment_id=appointment_id,
        )

    document_id = runner(factory)(write_document)

    recording = evidence_row(factory, recording_id)
    copy = fetch_to_file(store_b, recording.path, recording.sha256, tmp_path / "ws-b" / "play")
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == recording.sha256
    document = evidence_row(factory, document_id)
    assert document.stored_in == "s3"
    assert read_verified(store_a, document.path, document.sha256, document.size) == PDF
    with pytest.raises(IntegrityFailure):
        read_verified(store_a, document.path, "0" * 64)
