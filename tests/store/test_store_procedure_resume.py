"""Resume from any step after the officer's hang-up, the citizen's drop or a console kill -9
(issue 19): the code is re-sent and 开始视频 pressed again while the case stays 办理中, the
citizen reconnects, the case resumes at its first incomplete step and finishes it; nothing of
a killed step survives. SQLite and PostgreSQL."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.domain.errors import RuleViolation
from officer_console.store.appointments import lifecycle
from officer_console.store.db import audit
from officer_console.store.db.engine import read_session, run_in_transaction
from officer_console.store.db.models import Appointment, CaseStep, Decision, NumberSequence
from officer_console.store.procedure import cases
from officer_console.store.procedure import view as pv
from tests.support.case_documents import case_documents
from tests.support.procedure_steps import STEPS, do_step
from tests.support.procedure_world import (
    World,
    build,
    citizen_drops,
    citizen_joins,
    officer_hangs_up,
)

ROOT = Path(__file__).resolve().parents[2]
NEEDS_CITIZEN = {"inquiry", "notice", "confirmation"}

# A console that does one step and is killed (-9) after the step's rows were flushed and
# before the commit.
KILLED = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from officer_console.store.db.audit import Actor
    from officer_console.store.db.engine import make_engine, run_in_transaction, session_factory
    from officer_console.store.procedure import cases, core, service, view
    from tests.support.case_documents import case_documents
    from tests.support.procedure_steps import do_step

    url, appointment_id, officer_id, number, last4, evidence, step = sys.argv[1:]
    factory = session_factory(make_engine(url))
    lead = Actor(number, int(officer_id), "ws-killed")
    original = core.save_step

    def save_then_die(*args, **kwargs):
        original(*args, **kwargs)
        print("dying", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    cases.save_step = service.save_step = save_then_die
    with factory() as s:
        v = view.case_for_appointment(s, int(appointment_id))
    docs = case_documents(Path(evidence) / "data")
    run_in_transaction(factory, lambda s: do_step(
        s, lead, v, step, evidence=Path(evidence), id_last4=last4, docs=docs))
    print("survived", flush=True)
    """
)


def _view(factory: sessionmaker[Session], w: World) -> pv.CaseView:
    with read_session(factory) as s:
        view = pv.case_for_appointment(s, w.appointment_id)
    assert view is not None
    return view


def _to_step(factory: sessionmaker[Session], w: World, step: str, tmp: Path) -> pv.CaseView:
    view = run_in_transaction(factory, lambda s: cases.start_case(s, w.lead, w.appointment_id)).view
    docs = case_documents(tmp / "data")
    for before in STEPS[: STEPS.index(step)]:
        view = run_in_transaction(
            factory,
            lambda s, b=before, v=view: do_step(
                s, w.lead, v, b, evidence=tmp, id_last4=w.id_last4, docs=docs
            ),
        ).view
    assert view.next_step is not None and view.next_step.value == step
    return view


def _reopen_video(factory: sessionmaker[Session], w: World) -> None:
    """重新发送验证码 + 开始视频 during the procedure: the status stays 办理中."""
    for name in ("dispatch", "open_video"):
        change = run_in_transaction(
            factory, lambda s, n=name: getattr(lifecycle, n)(s, w.appointment_id, w.lead)
        )
        assert (change.old_status, change.status) == ("in_procedure", "in_procedure")


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("interruption", ["hang_up", "citizen_drop"])
def test_resume_after_a_hang_up_or_a_drop(
    factory: sessionmaker[Session], tmp_path: Path, step: str, interruption: str
) -> None:
    w = build(factory)
    view = _to_step(factory, w, step, tmp_path)
    (officer_hangs_up if interruption == "hang_up" else citizen_drops)(factory, w)
    docs = case_documents(tmp_path / "data")
    if step in NEEDS_CITIZEN:  # refused while the citizen is not on video
        with pytest.raises(RuleViolation, match="不在视频中"):
            run_in_transaction(
                factory,
                lambda s: do_step(
                    s, w.lead, view, step, evidence=tmp_path, id_last4=w.id_last4, docs=docs
                ),
            )
    _reopen_video(factory, w)
    citizen_joins(factory, w, new_room=interruption == "hang_up")
    resumed = _view(factory, w)
    assert resumed.next_step is not None and resumed.next_step.value == step
    assert [d.step for d in resumed.steps] == list(STEPS[: STEPS.index(step)])
    done = run_in_transaction(
        factory,
        lambda s: do_step(
            s, w.lead, resumed, step, evidence=tmp_path, id_last4=w.id_last4, docs=docs
        ),
    )
    assert [d.step for d in done.view.steps][-1] == step
    with read_session(factory) as s:
        appt = s.get(Appointment, w.appointment_id)
        assert appt is not None
        assert appt.status == ("completed" if step == "service" else "in_procedure")
        assert audit.verify_chain(s).ok


@pytest.mark.parametrize("step", STEPS)
def test_resume_after_a_console_kill(
    factory: sessionmaker[Session], db_url: str, tmp_path: Path, step: str
) -> None:
    w = build(factory)
    _to_step(factory, w, step, tmp_path)
    with read_session(factory) as s:
        steps_before = s.scalar(select(func.count()).select_from(CaseStep))
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            KILLED,
            db_url,
            str(w.appointment_id),
            str(w.lead.officer_id),
            w.lead.police_number,
            w.id_last4,
            str(tmp_path),
            step,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert "dying" in done.stdout and "survived" not in done.stdout
    with read_session(factory) as s:  # nothing of the killed step survives
        assert s.scalar(select(func.count()).select_from(CaseStep)) == steps_before
        if step == "ruling":
            assert s.scalar(select(func.count()).select_from(Decision)) == 0
            assert (s.scalar(select(NumberSequence.last_serial)) or 0) == 0
    # the restarted console (its room died with it): code again, 开始视频, the citizen rejoins
    _reopen_video(factory, w)
    citizen_joins(factory, w)
    resumed = _view(factory, w)
    assert resumed.next_step is not None and resumed.next_step.value == step
    docs = case_documents(tmp_path / "data")
    done_view = run_in_transaction(
        factory,
        lambda s: do_step(
            s, w.lead, resumed, step, evidence=tmp_path, id_last4=w.id_last4, docs=docs
        ),
    ).view
    assert done_view.steps[-1].step == step
    if step == "ruling":
        assert done_view.decision_number.endswith("0000001")  # the sequence stays gap-free
