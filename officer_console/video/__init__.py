"""Video calls with citizens: aiortc session, frames for Qt, evidence recording, signaling.

Embedding (the GUI shell owns the objects; everything runs on the qasync loop)::

    call = VideoCall(services.settings, services.actor(), services.runner)
    session = await call.start(RecordingTarget(appointment_id, case_id))
    pane.attach(session)                        # gui.video_pane.VideoPane
    pane.hangup_requested.connect(lambda: loop.create_task(call.hang_up()))
"""

from officer_console.video.call import VideoCall
from officer_console.video.evidence import RecordingTarget
from officer_console.video.media import LocalMedia, MediaConfig
from officer_console.video.recorder import EvidenceRecorder, RecordingLayout, RecordingResult
from officer_console.video.session import CallSession, CallState
from officer_console.video.stats import CallStats

__all__ = [
    "CallSession",
    "CallState",
    "CallStats",
    "EvidenceRecorder",
    "LocalMedia",
    "MediaConfig",
    "RecordingLayout",
    "RecordingResult",
    "RecordingTarget",
    "VideoCall",
]
