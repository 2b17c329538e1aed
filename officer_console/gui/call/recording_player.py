"""A case's recordings, played in the console by those allowed (audited).

``RecordingsDialog`` lists an appointment's recordings; 播放 asks the store layer
(``store/evidence/access.py``: assigned officer, the squad's shift lead, auditors — every
request audited) through the op runner, then fetches a verified copy on the session's I/O runner
(this workstation's spool, or the evidence store re-hashed against the row) and opens
``RecordingPlayer``. A temporary copy is deleted when the player closes.

Integration point: call :func:`show_recordings` from the case panel or a menu.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QImage, QPainter, QPaintEvent
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer, QVideoFrame, QVideoSink
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from officer_console.domain.errors import DomainError
from officer_console.evidence_store import EvidenceStore
from officer_console.evidence_store.factory import spool_dir
from officer_console.evidence_store.reading import playable_copy
from officer_console.gui.common.services import Services
from officer_console.gui.common.widgets import local_text
from officer_console.store.evidence.access import (
    Playback,
    RecordingListing,
    authorize_playback,
    recordings_of,
)

__all__ = ["RecordingPlayer", "RecordingsDialog", "show_recordings"]

log = logging.getLogger("officer_console.gui.call.recording_player")
_KINDS = {None: "仅在录制工作站", "local": "本机证据目录", "path": "共享目录", "s3": "对象存储"}


def _describe(item: RecordingListing, tz: str) -> str:
    when = local_text(item.created_at, tz)
    length = f"{item.duration_s:.0f} 秒" if item.duration_s is not None else "时长未知"
    size = f"{item.size / 1048576:.1f} MB" if item.size >= 1 << 20 else f"{item.size >> 10} KB"
    return f"{when}  {length}  {size}  [{_KINDS.get(item.stored_in, '')}]"


class FrameView(QWidget):
    """Paints the player's frames from a ``QVideoSink`` (works offscreen and in ``grab``,
    unlike a native video surface); keeps only the latest frame."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sink = QVideoSink(self)
        self.image = QImage()
        self.frames = 0
        self.sink.videoFrameChanged.connect(self._frame)
        self.setMinimumSize(320, 240)

    def _frame(self, frame: QVideoFrame) -> None:
        self.image = frame.toImage()
        self.frames += 1
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.black)
        if not self.image.isNull():
            scaled = self.image.scaled(
                self.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            painter.drawImage(
                (self.width() - scaled.width()) // 2, (self.height() - scaled.height()) // 2, scaled
            )
        painter.end()


class RecordingPlayer(QDialog):
    """Plays one verified recording file; deletes it on close when it is a temporary copy."""

    def __init__(
        self,
        path: Path,
        recording: RecordingListing,
        *,
        temporary: bool = False,
        tz: str = "Asia/Shanghai",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("recording_player")
        self.setWindowTitle("录像回放")
        self.resize(800, 560)
        self.path, self.temporary = path, temporary
        self.video = FrameView(self)
        self.video.setObjectName("recording_video")
        self.info_label = QLabel(
            f"{_describe(recording, tz)}\nSHA-256 {recording.sha256[:16]}…（已核验）", self
        )
        self.info_label.setObjectName("recording_info_label")
        self.play_button = QPushButton("暂停", self)
        self.play_button.setObjectName("recording_play_button")
        self.position_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.position_slider.setObjectName("recording_position_slider")
        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.position_slider, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.video, 1)
        layout.addLayout(controls)
        layout.addWidget(self.info_label)
        self.audio = QAudioOutput(self)
        self.player = QMediaPlayer(self)
        self.player.setAudioOutput(self.audio)
        self.player.setVideoSink(self.video.sink)
        self.player.durationChanged.connect(lambda ms: self.position_slider.setRange(0, ms))
        self.player.positionChanged.connect(self._moved)
        self.position_slider.sliderMoved.connect(self.player.setPosition)
        self.play_button.clicked.connect(self.toggle)
        self.player.setSource(QUrl.fromLocalFile(str(path)))
        self.player.play()

    def _moved(self, ms: int) -> None:
        if not self.position_slider.isSliderDown():
            self.position_slider.setValue(ms)

    def toggle(self) -> None:
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
            self.play_button.setText("播放")
        else:
            self.player.play()
            self.play_button.setText("暂停")

    def done(self, result: int) -> None:
        self.player.stop()
        self.player.setSource(QUrl())
        if self.temporary:  # recordings show faces: no copy outlives the playback
            with contextlib.suppress(OSError):
                self.path.unlink()
        super().done(result)


class RecordingsDialog(QDialog):
    """An appointment's recordings with a 播放 button (see the module docstring)."""

    def __init__(
        self,
        services: Services,
        appointment_id: int,
        *,
        store: EvidenceStore | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("case_recordings_dialog")
        self.setWindowTitle("本案录像")
        # Wide enough for a whole row (time, length, size, where stored), a few rows high.
        self.setMinimumSize(480, 280)
        self.resize(600, 360)
        self.services, self.appointment_id = services, appointment_id
        self.store = store
        self.player: RecordingPlayer | None = None
        self.recordings_list = QListWidget(self)
        self.recordings_list.setObjectName("recordings_list")
        self.play_button = QPushButton("播放", self)
        self.play_button.setObjectName("play_recording_button")
        self.play_button.setEnabled(False)
        self.status_label = QLabel("正在读取录像列表…", self)
        self.status_label.setObjectName("recordings_status_label")
        self.status_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.recordings_list, 1)
        layout.addWidget(self.status_label)
        layout.addWidget(self.play_button, 0, Qt.AlignmentFlag.AlignRight)
        self.play_button.clicked.connect(self.play_selected)
        self.recordings_list.itemDoubleClicked.connect(lambda _item: self.play_selected())
        services.runner.run(
            lambda s: recordings_of(s, appointment_id), self._show, self._failed, write=False
        )

    def _show(self, recordings: list[RecordingListing]) -> None:
        for recording in recordings:
            item = QListWidgetItem(_describe(recording, self.services.settings.timezone))
            item.setData(Qt.ItemDataRole.UserRole, recording.evidence_id)
            self.recordings_list.addItem(item)
        if recordings:
            self.recordings_list.setCurrentRow(0)
        self.play_button.setEnabled(bool(recordings))
        self.status_label.setText(f"共 {len(recordings)} 段录像" if recordings else "本案没有录像")

    def _failed(self, exc: BaseException) -> None:
        self._failed_text(str(exc) if isinstance(exc, DomainError) else "操作失败，请重试")

    def _failed_text(self, text: str) -> None:
        self.status_label.setText(text)
        self.play_button.setEnabled(self.recordings_list.count() > 0)

    def play_selected(self) -> None:
        item = self.recordings_list.currentItem()
        if item is None:
            return
        evidence_id = int(item.data(Qt.ItemDataRole.UserRole))
        actor = self.services.actor()
        self.play_button.setEnabled(False)
        self.status_label.setText("正在核验录像…")
        self.services.runner.run(
            lambda s: authorize_playback(s, actor, evidence_id), self._authorized, self._failed
        )

    def _authorized(self, decision: Playback) -> None:
        if not decision.allowed or decision.recording is None:
            self._failed_text(decision.message)
            return
        recording = decision.recording
        settings = self.services.settings

        def fetch() -> tuple[Path, bool] | str:  # files off the GUI thread, on the I/O runner
            try:
                store = self.store or self.services.evidence_store()
                return playable_copy(
                    store,
                    recording.key,
                    recording.sha256,
                    spool=spool_dir(settings),
                    cache=settings.data_dir / "playback",
                )
            except DomainError as exc:
                return exc.message
            except OSError as exc:
                log.warning("recording copy failed: %r", exc)
                return f"录像文件读取失败（{exc.strerror}）"

        def fetched(got: tuple[Path, bool] | str) -> None:
            if not isValid(self):  # the dialog was closed meanwhile: no copy outlives it
                if not isinstance(got, str) and got[1]:
                    with contextlib.suppress(OSError):
                        got[0].unlink()
                return
            if isinstance(got, str):
                self._failed_text(got)
            else:
                self._open_player(got[0], recording, got[1])

        self.services.io.run(fetch, fetched)

    def _open_player(self, path: Path, recording: RecordingListing, temporary: bool) -> None:
        self.status_label.setText("录像已核验，正在播放")
        self.play_button.setEnabled(True)
        self.player = RecordingPlayer(
            path, recording, temporary=temporary, tz=self.services.settings.timezone, parent=self
        )
        self.player.open()


def show_recordings(
    services: Services, appointment_id: int, parent: QWidget | None = None
) -> RecordingsDialog:
    dialog = RecordingsDialog(services, appointment_id, parent=parent)
    dialog.open()
    return dialog
