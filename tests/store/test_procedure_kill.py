"""kill -9 of the console in the middle of saving the ruling: nothing of the step survives
(no decision, no number taken — the sequence stays gap-free), and a restarted console resumes
at the ruling and finishes it with serial 1."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.domain.procedure import Step
from officer_console.store.db import audit
from officer_console.store.db.engine import read_session, run_in_transaction
from officer_console.store.db.models import CaseStep, Decision, NumberSequence
from officer_console.store.procedure import cases as pc
from officer_console.store.procedure import view as pv
from tests.support.procedure_world import build

ROOT = Path(__file__).resolve().parents[2]

# The "console": inquiry and notice saved, then killed inside the ruling's transaction,
# after every row of the step was flushed and before the commit.
CONSOLE = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from officer_console.store.procedure import cases as pc
    from officer_console.store.db.audit import Actor
    from officer_console.store.db.engine import make_engine, run_in_transaction, session_factory
    from tests.support.case_documents import case_documents
    from tests.support.procedure_steps import sign
    from tests.support.procedure_world import png

    url, appointment_id, officer_id, number, last4, evidence = sys.argv[1:]
    factory = session_factory(make_engine(url))
    lead = Actor(number, int(officer_id), "ws-killed")
    run = lambda work: run_in_transaction(factory, work)
    view = run(lambda s: pc.start_case(s, lead, int(appointment_id))).view
    snap = run(lambda s: pc.record_snapshot(s, lead, Path(evidence), view.case_id, png()))
    run(lambda s: pc.complete_inquiry(
        s, lead, view.case_id, name_confirmed=True, id_last4=last4, snapshot_evidence_id=snap,
        qa=[("问", "答")], admissions={v.violation_id: True for v in view.violations}))
    docs = case_documents(Path(evidence) / "docs-data")
    run(lambda s: sign(s, lead, Path(evidence), view.case_id, "inquiry", docs=docs))
    run(lambda s: pc.complete_notice(s, lead, view.case_id, statement=None, waived=True))
    run(lambda s: sign(s, lead, Path(evidence), view.case_id, "notice", docs=docs))
    original = pc.save_step

    def save_then_die(*args, **kwargs):
        original(*args, **kwargs)
        if args[3].value == "ruling":
            print("dying", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

    pc.save_step = save_then_die
    fines = {v.violation_id: v.fine for v in view.violations}
    points = {v.violation_id: v.points for v in view.violations}
    run(lambda s: pc.complete_ruling(
        s, lead, view.case_id, fines=fines, points=points, review_note="复核"))
    print("survived", flush=True)
    """
)


def test_kill_during_ruling_then_resume(
    factory: sessionmaker[Session], db_url: str, tmp_path: Path
) -> None:
    w = build(factory)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CONSOLE,
            db_url,
            str(w.appointment_id),
            str(w.lead.officer_id),
            w.lead.police_number,
            w.id_last4,
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert "dying" in done.stdout and "survived" not in done.stdout
    with read_session(factory) as s:
        view = pv.case_for_appointment(s, w.appointment_id)
        assert view is not None and view.next_step is Step.RULING
        assert [d.step for d in view.steps] == ["inquiry", "notice"]
        assert s.scalar(select(func.count()).select_from(Decision)) == 0
        assert s.scalar(select(func.count()).select_from(CaseStep)) == 2
        assert (s.scalar(select(NumberSequence.last_serial)) or 0) == 0  # no number lost
    fines = {v.violation_id: v.fine for v in view.violations}
    points = {v.violation_id: v.points for v in view.violations}
    resumed = run_in_transaction(
        factory,
        lambda s: pc.complete_ruling(
            s, w.lead, view.case_id, fines=fines, points=points, review_note="复核"
        ),
    ).view
    assert resumed.next_step is Step.CONFIRMATION and resumed.decision_number.endswith("0000001")
    with read_session(factory) as s:
        assert audit.verify_chain(s).ok
