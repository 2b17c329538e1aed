"""Crash-safe hand-off from the spool to the store, on SQLite and PostgreSQL, S3 and path."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from officer_console.evidence_store.local import DirectoryStore
from officer_console.evidence_store.s3 import S3Config, S3Store
from officer_console.store.evidence import rows
from officer_console.video.evidence import verify_evidence
from officer_console.video.handoff import pending_uploads, upload_pending
from officer_console.video.recording_files import read_sidecar, unfinished_recordings
from tests.evidence_store.spool import actions, evidence_row, runner, seed, spooled_recording

pytestmark = pytest.mark.both_backends  # the backend matters here (docs/testing.md)


def test_a_recording_is_uploaded_verified_marked_then_removed_from_the_spool(
    factory: sessionmaker[Session], s3_store: S3Store, tmp_path: Path
) -> None:
    actor, appointment_id = seed(factory)
    spool = tmp_path / "spool"
    path, evidence_id = spooled_recording(factory, actor, appointment_id, spool)
    row = evidence_row(factory, evidence_id)
    assert row.stored_in is None
    assert [p.evidence_id for p in pending_uploads(spool)] == [evidence_id]

    outcomes = upload_pending(s3_store, spool, runner(factory), actor)

    assert [(o.outcome, o.evidence_id) for o in outcomes] == [("stored", evidence_id)]
    row = evidence_row(factory, evidence_id)
    assert row.stored_in == "s3" and row.stored_at is not None
    assert s3_store.verify(row.path, row.sha256, row.size)
    assert verify_evidence(row, spool, s3_store) and not verify_evidence(row, spool)
    assert not path.exists() and not path.with_suffix(".mp4.json").exists()
    (stored,) = actions(factory, rows.STORED)
    assert stored.detail == {
        "store": "s3",
        "verified": "readback",
        "sha256": row.sha256,
        "file": row.path,
    }
    assert pending_uploads(spool) == [] and unfinished_recordings(spool) == []
    assert upload_pending(s3_store, spool, runner(factory), actor) == []


def test_nothing_is_deleted_while_the_store_is_unreachable(
    factory: sessionmaker[Session], s3_store: S3Store, tmp_path: Path
) -> None:
    actor, appointment_id = seed(factory)
    spool = tmp_path / "spool"
    path, evidence_id = spooled_recording(factory, actor, appointment_id, spool)
    down = S3Store(
        S3Config(
            endpoint="http://127.0.0.1:9",
            bucket=s3_store.config.bucket,
            access_key_id="x",
            secret_access_key="y",
        )
    )
    (failed,) = upload_pending(down, spool, runner(factory), actor)
    assert failed.outcome == "failed" and "暂不可用" in failed.message
    assert path.exists() and evidence_row(factory, evidence_id).stored_in is None
    assert len(pending_uploads(spool)) == 1
    # The store is back: the same call finishes the job.
    (done,) = upload_pending(s3_store, spool, runner(factory), actor)
    assert done.outcome == "stored" and not path.exists()


def test_a_spool_file_that_no_longer_matches_its_row_is_kept_and_audited(
    factory: sessionmaker[Session], s3_store: S3Store, tmp_path: Path
) -> None:
    actor, appointment_id = seed(factory)
    spool = tmp_path / "spool"
    path, evidence_id = spooled_recording(factory, actor, appointment_id, spool)
    path.write_bytes(path.read_bytes()[:-1] + b"\x00")  # altered after it was hashed

    (outcome,) = upload_pending(s3_store, spool, runner(factory), actor)

    assert outcome.outcome == "mismatch"
    assert path.exists() and (read_sidecar(path) or {}).get("status") == "mismatch"
    assert evidence_row(factory, evidence_id).stored_in is None
    (event,) = actions(factory, "evidence.integrity")
    assert event.outcome == "failed" and event.entity_id == str(evidence_id)
    # Out of the queue (no endless retries) and not mistaken for an unfinished recording.
    assert pending_uploads(spool) == [] and unfinished_recordings(spool) == []


def test_a_crash_after_marking_but_before_removing_is_finished_on_the_next_run(
    factory: sessionmaker[Session], s3_store: S3Store, tmp_path: Path
) -> None:
    actor, appointment_id = seed(factory)
    spool = tmp_path / "spool"
    path, evidence_id = spooled_recording(factory, actor, appointment_id, spool)
    row = evidence_row(factory, evidence_id)
    s3_store.put_file(row.path, path, sha256=row.sha256)
    runner(factory)(
        lambda s: rows.mark_stored(s, actor, evidence_id, "s3", method="readback")
    )  # ... and the console died here: the spool still has the file

    (outcome,) = upload_pending(s3_store, spool, runner(factory), actor)

    assert outcome.outcome == "stored" and not path.exists()
    assert len(actions(factory, rows.STORED)) == 1  # recorded once


def test_the_path_store_hands_off_between_two_data_dirs(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    share = tmp_path / "nas"
    share.mkdir()
    actor, appointment_id = seed(factory, "ws-a")
    spool_a = tmp_path / "a" / "evidence"
    path, evidence_id = spooled_recording(factory, actor, appointment_id, spool_a)
    (outcome,) = upload_pending(DirectoryStore(share, "path"), spool_a, runner(factory), actor)
    assert outcome.outcome == "stored" and not path.exists()
    row = evidence_row(factory, evidence_id)
    assert row.stored_in == "path"
    reader_b = DirectoryStore(share, "path")  # workstation B, its own data dir
    assert reader_b.verify(row.path, row.sha256, row.size)


def test_the_local_store_keeps_its_spool_file_and_marks_it(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    actor, appointment_id = seed(factory)
    spool = tmp_path / "data" / "evidence"
    path, evidence_id = spooled_recording(factory, actor, appointment_id, spool)
    (outcome,) = upload_pending(DirectoryStore(spool, "local"), spool, runner(factory), actor)
    assert outcome.outcome == "stored" and path.exists()
    assert (read_sidecar(path) or {}).get("status") == "uploaded"
    assert evidence_row(factory, evidence_id).stored_in == "local"
    assert pending_uploads(spool) == [] and unfinished_recordings(spool) == []


def test_a_row_from_before_the_store_moves_on_to_the_configured_store(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    actor, appointment_id = seed(factory)
    spool = tmp_path / "spool"
    path, evidence_id = spooled_recording(factory, actor, appointment_id, spool)
    runner(factory)(lambda s: rows.mark_stored(s, actor, evidence_id, "local", method="legacy"))
    share = tmp_path / "nas"
    share.mkdir()
    (outcome,) = upload_pending(DirectoryStore(share, "path"), spool, runner(factory), actor)
    assert outcome.outcome == "stored" and not path.exists()
    row = evidence_row(factory, evidence_id)
    assert row.stored_in == "path" and DirectoryStore(share, "path").verify(row.path, row.sha256)
    assert [e.detail["store"] for e in actions(factory, rows.STORED)] == ["local", "path"]
