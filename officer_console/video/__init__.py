"""Video calls with citizens: aiortc session, frames for Qt, evidence recording, signaling.

Embedding (the GUI shell owns the objects; everything runs on the qasync loop)::

    call = VideoCall(services.settings, services.actor(), services.runner)   # video.call
    session = await call.start(RecordingTarget(appointment_id, case_id))    # video.evidence
    pane.attach(session)                        # gui.call.video_pane.VideoPane
    pane.hangup_requested.connect(lambda: loop.create_task(call.hang_up()))

This package file imports nothing: the media stack (aiortc, av, QtMultimedia) costs about a
second to load, and the tools that only read recording files (``officer-admin check``,
``upload-evidence``) or hand them off must not pay for it. Import from the modules.
"""
