"""A console's upload round in a child process, slowed per part so a test can kill -9 it.

Usage: python -m tests.evidence_store.upload_child DB_URL SPOOL ENDPOINT BUCKET STATE_DIR
POLICE_NUMBER OFFICER_ID WORKSTATION. Prints ``part N`` after each uploaded part.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from officer_console.evidence_store.s3 import S3Config, S3Store
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import make_engine, run_in_transaction, session_factory
from officer_console.video.handoff import upload_pending
from tests.servers.s3_server import KEY_ID, KEY_SECRET


def main(argv: list[str]) -> None:
    url, spool, endpoint, bucket, state, police_number, officer_id, workstation = argv
    store = S3Store(
        S3Config(
            endpoint=endpoint,
            bucket=bucket,
            part_size=5 << 20,
            access_key_id=KEY_ID,
            secret_access_key=KEY_SECRET,
            retention_days=1,
        ),
        state_dir=Path(state),
    )

    def uploaded(params: dict[str, Any], **_: Any) -> None:
        print(f"part {params['PartNumber']}", flush=True)
        time.sleep(0.5)

    store.client.meta.events.register("provide-client-params.s3.UploadPart", uploaded)
    factory = session_factory(make_engine(url))
    actor = Actor(police_number, int(officer_id), workstation)
    upload_pending(store, Path(spool), lambda work: run_in_transaction(factory, work), actor)
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
