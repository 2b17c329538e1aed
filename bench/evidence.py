"""Evidence store figures: a 200 MB recording to the local S3 server (moto_server on
loopback), hang-up → "stored remotely" through the real hand-off on SQLite and PostgreSQL,
and document write latency (45 KiB PDF, written + read back + verified) per backend.

moto_server is a single-threaded Python (Werkzeug) server keeping objects in memory: its
throughput is a floor, not what MinIO/Ceph on a LAN would give. Run: .venv/bin/python
bench/evidence.py [size_mb]
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from _common import databases, median, pct

from officer_console.evidence_store.local import DirectoryStore
from officer_console.evidence_store.s3 import S3Config, S3Store
from officer_console.store.db.engine import make_engine, run_in_transaction, session_factory
from officer_console.store.evidence import rows
from officer_console.video.handoff import UploadWorker, kick_uploads
from officer_console.video.recording_files import sha256_file, update_sidecar
from tests.servers.s3_server import KEY_ID, KEY_SECRET, S3Server, start_s3_server
from tests.support import builders

MB = 1 << 20


def _store(server: S3Server, *, lock: bool, state: Path) -> S3Store:
    config = S3Config(
        endpoint=server.endpoint,
        bucket=server.bucket(lock=lock),
        access_key_id=KEY_ID,
        secret_access_key=KEY_SECRET,
        retention_days=1,
        part_size=16 * MB,
    )
    return S3Store(config, state_dir=state)


def _recording(folder: Path, size: int) -> Path:
    path = folder / "recordings" / "2026" / "12" / "appt1-bench.mp4"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        for _ in range(size // (8 * MB)):
            fh.write(os.urandom(8 * MB))
        fh.write(os.urandom(size % (8 * MB)))
    return path


def upload_throughput(server: S3Server, tmp: Path, size: int) -> None:
    path = _recording(tmp / "spool-throughput", size)
    digest = sha256_file(path)
    store = _store(server, lock=True, state=tmp / "state")
    marks: list[float] = []
    started = time.perf_counter()
    result = store.put_file(
        "recordings/bench-throughput.mp4",
        path,
        sha256=digest,
        progress=lambda _sent: marks.append(time.perf_counter()),
    )
    total = time.perf_counter() - started
    sent = marks[-1] - started
    print(f"S3 upload of {size / MB:.0f} MiB (16 MiB parts, object lock, moto_server):")
    print(f"  upload            {sent:6.2f} s  = {size / MB / sent:6.1f} MiB/s")
    print(f"  read back + hash  {total - sent:6.2f} s  = {size / MB / (total - sent):6.1f} MiB/s")
    print(f"  total (verified)  {total:6.2f} s  = {size / MB / total:6.1f} MiB/s")
    assert result.sha256 == digest
    path.unlink()


def hangup_to_stored(server: S3Server, tmp: Path, size: int, label: str, url: str) -> None:
    factory = session_factory(make_engine(url))

    def seed(s):  # type: ignore[no-untyped-def]
        squad = builders.squad(s, code=f"37{label[:1]}102")
        officer = builders.officer(s, squad, f"3701{len(label):02d}001")
        (appointment_id,) = builders.appointments(s, squad, 1)
        return builders.actor_for(officer, f"ws-{label}"), appointment_id

    actor, appointment_id = run_in_transaction(factory, seed)
    spool = tmp / f"spool-{label}"
    path = _recording(spool, size)
    store = _store(server, lock=True, state=tmp / f"state-{label}")
    worker = UploadWorker(
        store, spool, lambda work: run_in_transaction(factory, work), actor, interval=3600
    )
    worker.start()
    time.sleep(0.5)  # its first (empty) round
    # Hang-up: the recorder hashes the closed file, the row commits, the sidecar says so.
    hang_up = time.perf_counter()
    digest = sha256_file(path)
    facts = rows.FileFacts(digest, size, 60.0, datetime.now(UTC))
    key = path.relative_to(spool).as_posix()
    target = rows.RecordingTarget(appointment_id)
    evidence_id = run_in_transaction(
        factory, lambda s: rows.record_stop(s, actor, target, key, facts)
    )
    update_sidecar(path, status="stored", evidence_id=evidence_id)
    hashed = time.perf_counter()
    kick_uploads()
    done = threading.Event()
    while not done.wait(0.05):
        if not path.exists():
            done.set()
    stored = time.perf_counter()
    worker.stop()
    with factory() as s:
        row = s.get(rows.EvidenceFile, evidence_id)  # type: ignore[attr-defined]
        assert row is not None and row.stored_in == "s3"
    print(
        f"hang-up → stored remotely ({label}, {size / MB:.0f} MiB): {stored - hang_up:6.2f} s"
        f"  (hash + row {hashed - hang_up:.2f} s, upload + read-back + mark + remove"
        f" {stored - hashed:.2f} s)"
    )


def document_latency(server: S3Server, tmp: Path, runs: int = 40) -> None:
    pdf = b"%PDF-1.4\n" + os.urandom(45 * 1024) + b"\n%%EOF\n"
    stores = {
        "local": DirectoryStore(tmp / "local-evidence", "local"),
        "path": DirectoryStore(tmp / "share-evidence", "path"),
        "s3 (object lock)": _store(server, lock=True, state=tmp / "doc-state"),
    }
    print(f"document write latency (45 KiB, written + fsync/uploaded + read back), {runs} runs:")
    for name, store in stores.items():
        times = []
        for n in range(runs):
            data = pdf + str(n).encode()
            started = time.perf_counter()
            result = store.put_bytes(f"decisions/2026/bench-{n}.pdf", data)
            times.append((time.perf_counter() - started) * 1000)
            assert result.sha256 == hashlib.sha256(data).hexdigest()
        print(f"  {name:18s} median {median(times):6.1f} ms   p95 {pct(times, 95):6.1f} ms")


def main() -> None:
    size = int(sys.argv[1]) * MB if len(sys.argv) > 1 else 200 * MB
    tmp = Path(tempfile.mkdtemp(prefix="oc-bench-evidence-"))
    print(f"{os.cpu_count()} cores; temp dir {tmp} (local and path on the same disk here)")
    server = start_s3_server(tmp / "moto.log")
    try:
        document_latency(server, tmp)
        upload_throughput(server, tmp, size)
    finally:
        server.stop()
    with databases() as urls:
        for label, url in urls:
            server = start_s3_server(tmp / f"moto-{label}.log")  # fresh memory per run
            try:
                hangup_to_stored(server, tmp, size, label, url)
            finally:
                server.stop()


if __name__ == "__main__":
    main()
