"""The procedure (办理程序) in the store: one package, its modules public to each other.

* :mod:`.view` — :class:`~.view.CaseView` and the reads (load, resume by appointment).
* :mod:`.core` — :class:`~.core.CaseChange` and the plumbing every operation shares (open the
  case at a step, save a step, move the appointment through the lifecycle).
* :mod:`.cases` — start and the steps 询问 → 告知 → 裁决 → 确认.
* :mod:`.service` / :mod:`.resend` — 电子送达 and paper service; the explicit link re-send.
* :mod:`.documents` — the signed statutory documents at service time.
* :mod:`.files` — the one write path for the procedure's evidence files.
* :mod:`.cosign` — the general procedure's second officer.
* :mod:`.presence` — is the citizen on video now (the steps that need the citizen).
* :mod:`.handover` — 转窗口办理 with the state kept (a ruled decision carried or voided) and
  paper service.

Every operation is one audited transaction (the caller's) and returns a
:class:`~.core.CaseChange`; status and permission rules stay in :mod:`store.lifecycle` and
:mod:`domain.appointment`. Import the modules (``from officer_console.store.procedure import
cases``): this file re-exports nothing, so :mod:`store.documents` can use :mod:`.files`
without an import cycle.
"""
