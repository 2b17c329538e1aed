"""An upload interrupted by kill -9 of the uploading console resumes where it stopped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from officer_console.evidence_store.s3 import S3Store
from officer_console.video.handoff import upload_pending
from tests.evidence_store.conftest import s3_config
from tests.evidence_store.spool import evidence_row, runner, seed, spooled_recording
from tests.servers.s3_server import S3Server

ROOT = Path(__file__).resolve().parents[2]
PARTS = 5  # 22 MiB in 5 MiB parts


def test_an_upload_killed_mid_way_resumes_with_the_parts_already_sent(
    db_url: str, factory: sessionmaker[Session], s3_server: S3Server, tmp_path: Path
) -> None:
    actor, appointment_id = seed(factory)
    spool, state = tmp_path / "spool", tmp_path / "uploads"
    path, evidence_id = spooled_recording(
        factory, actor, appointment_id, spool, size=(22 << 20) + 4321
    )
    bucket = s3_server.bucket(lock=True)
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.evidence_store.upload_child",
            db_url,
            str(spool),
            s3_server.endpoint,
            bucket,
            str(state),
            actor.police_number,
            str(actor.officer_id),
            actor.workstation,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    try:
        seen = [child.stdout.readline().strip() for _ in range(3)]  # part 3 is being sent
    finally:
        child.kill()  # SIGKILL: no clean-up of any kind
        child.wait(10)
        child.stdout.close()
    assert seen == ["part 1", "part 2", "part 3"]
    client = s3_server.client()
    (upload,) = client.list_multipart_uploads(Bucket=bucket)["Uploads"]
    held = client.list_parts(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    assert 2 <= len(held["Parts"]) < PARTS
    assert path.exists() and evidence_row(factory, evidence_id).stored_in is None

    # The next start: the same console (same data dir, same resume state) tries again.
    store = S3Store(s3_config(s3_server, bucket, part_size=5 << 20), state_dir=state)
    sent: list[int] = []

    def count(params: dict[str, Any], **_: Any) -> None:
        sent.append(params["PartNumber"])

    store.client.meta.events.register("provide-client-params.s3.UploadPart", count)
    (outcome,) = upload_pending(store, spool, runner(factory), actor)

    assert outcome.outcome == "stored"
    assert sent == [n for n in range(1, PARTS + 1) if n > len(held["Parts"])]
    row = evidence_row(factory, evidence_id)
    assert row.stored_in == "s3" and store.verify(row.path, row.sha256, row.size)
    assert not path.exists() and list(state.glob("*.json")) == []
    head = client.head_object(Bucket=bucket, Key=row.path)
    assert head["ObjectLockMode"] == "COMPLIANCE" and head["ContentLength"] == row.size
