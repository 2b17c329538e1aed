"""The call pane next to the case panel: citizen large, officer small, state and quality.

Frames are converted off the GUI thread (:class:`~officer_console.video.frames.LatestFrame`);
their arrival only calls ``update()``, and ``paintEvent`` draws whatever image is latest, so a
slow repaint shows fresher frames instead of queueing old ones. The self-view repaints only
its own corner. The pane never owns the call: hang-up and "re-send code" are signals for the
owner (:class:`~officer_console.video.call.VideoCall`, the dispatch panel).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from officer_console.gui.common.widgets import named
from officer_console.video.frames import FrameImage
from officer_console.video.session import CallSession, CallState
from officer_console.video.stats import CallStats

STATE_TEXT = {
    CallState.IDLE: "未连接",
    CallState.CONNECTING: "正在连接…",
    CallState.CONNECTED: "已连接",
    CallState.FAILED: "对方网络中断",
    CallState.CLOSED: "通话已结束",
}
WAITING_TEXT = {
    CallState.IDLE: "尚未开始视频通话",
    CallState.CONNECTING: "等待当事人加入视频…",
    CallState.CONNECTED: "等待对方画面…",
    CallState.FAILED: "对方网络中断",
    CallState.CLOSED: "通话已结束",
}


QUALITY_WIDEST = "往返 8888 ms · 丢包 88.8% · 88 fps · 8888x8888"


def _fit(size: QSize, box: QRect) -> QRect:
    scaled = size.scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
    x = box.x() + (box.width() - scaled.width()) // 2
    y = box.y() + (box.height() - scaled.height()) // 2
    return QRect(x, y, scaled.width(), scaled.height())


def poor_connection_indicator() -> QLabel:
    """The warning that the citizen's connection is poor (before it fails): issue 23."""
    label = named(QLabel(), "poor_connection_indicator")
    label.setStyleSheet(
        "background: #e65100; color: white; font-weight: bold; padding: 1px 6px;"
        " border-radius: 3px;"
    )
    label.setVisible(False)
    return label


def show_poor_connection(label: QLabel, stats: CallStats) -> None:
    reason = stats.poor_reason
    label.setText(f"⚠ 网络较差：{reason}" if reason else "")
    label.setToolTip("当事人网络不佳，画面或声音可能卡顿；连接中断后会自动恢复" if reason else "")
    label.setVisible(bool(reason))


class VideoView(QWidget):
    """Paints the latest citizen frame, and the officer's self-view picture-in-picture."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "video_view")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)
        self.remote: Callable[[], FrameImage | None] = lambda: None
        self.local: Callable[[], FrameImage | None] = lambda: None
        self.placeholder = WAITING_TEXT[CallState.IDLE]
        self.paints = 0
        self.frames_painted = 0
        self.frame_painted: Callable[[FrameImage], None] | None = None  # bench/test hook
        self._last_remote: FrameImage | None = None

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(640, 480)

    def pip_rect(self) -> QRect:
        w = max(96, self.width() // 4)
        h = w * 3 // 4
        return QRect(self.width() - w - 12, self.height() - h - 12, w, h)

    def remote_arrived(self) -> None:
        self.update()

    def local_arrived(self) -> None:
        self.update(self.pip_rect().adjusted(-2, -2, 2, 2))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        self.paints += 1
        painter = QPainter(self)
        try:
            painter.fillRect(event.rect(), QColor(16, 16, 16))
            remote = self.remote()
            if remote is not None:
                painter.drawImage(_fit(remote.image.size(), self.rect()), remote.image)
                if remote is not self._last_remote:
                    self._last_remote = remote
                    self.frames_painted += 1
                    if self.frame_painted is not None:
                        self.frame_painted(remote)
            else:
                painter.setPen(QColor(220, 220, 220))
                painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            self._paint_pip(painter)
        finally:
            painter.end()

    def _paint_pip(self, painter: QPainter) -> None:
        local = self.local()
        box = self.pip_rect()
        painter.fillRect(box, QColor(40, 40, 40))
        if local is not None:
            painter.drawImage(_fit(local.image.size(), box), local.image)
        painter.setPen(QPen(QColor(230, 230, 230), 2))
        painter.drawRect(box.adjusted(-1, -1, 1, 1))


class VideoPane(QWidget):
    """Embeddable call pane; ``attach(session)`` binds it to a running call."""

    hangup_requested = Signal()
    resend_code_requested = Signal()
    mute_toggled = Signal(bool)
    camera_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "video_pane")
        self.session: CallSession | None = None
        self.view = VideoView(self)
        self.state_label = named(QLabel(STATE_TEXT[CallState.IDLE]), "call_state_label")
        self.duration_label = named(QLabel("00:00"), "call_duration_label")
        self.recording_label = named(QLabel("● 录像中"), "recording_indicator")
        self.recording_label.setStyleSheet("color: #d32f2f; font-weight: bold;")
        self.recording_label.setVisible(False)
        self.quality_label = named(QLabel(self._quality_text(CallStats())), "call_quality_label")
        self.poor_label = poor_connection_indicator()
        # Fixed widths from the widest values: changing statistics never move the layout
        # (the procedure panel beside the video jumped sideways and a click missed).
        metrics = self.quality_label.fontMetrics()
        self.quality_label.setFixedWidth(metrics.horizontalAdvance(QUALITY_WIDEST) + 8)
        self.duration_label.setFixedWidth(metrics.horizontalAdvance("通话 88:88:88") + 8)
        self.state_label.setFixedWidth(
            max(metrics.horizontalAdvance(t) for t in STATE_TEXT.values()) + 8
        )
        self.banner = named(QWidget(self), "drop_banner")
        self.banner.setStyleSheet("#drop_banner { background: #b71c1c; } QLabel { color: white; }")
        self.banner_label = QLabel("对方网络中断 — 当事人可凭新验证码重新加入，案件与笔录不受影响")
        self.banner_label.setWordWrap(True)  # the banner never widens the window
        self.device_warning_label = named(QLabel(), "device_warning_label")
        self.device_warning_label.setWordWrap(True)
        self.device_warning_label.setStyleSheet(
            "background: #fff3cd; color: #664d03; padding: 4px;"
        )
        self.device_warning_label.setVisible(False)
        self.devices_label = named(QLabel(), "call_devices_label")
        self.devices_label.setStyleSheet("color: #666;")
        # A line of its own, wrapped: beside 挂断 the names were clipped to 「摄像头：」.
        self.devices_label.setWordWrap(True)
        self.devices_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.resend_button = named(QPushButton("重新发送验证码"), "resend_code_button")
        self.mute_button = named(QPushButton("静音"), "mute_button")
        self.camera_button = named(QPushButton("关闭摄像头"), "camera_button")
        self.speaker_button = named(QPushButton("关闭声音"), "speaker_button")
        self.speaker_button.setToolTip("只影响本机播放，录像中仍保留双方声音")
        self.hangup_button = named(QPushButton("挂断"), "hangup_button")
        # Red only while there is a call to end; disabled it looks like any disabled button.
        self.hangup_button.setStyleSheet(
            "QPushButton:enabled { background: #c62828; color: white; }"
        )
        for button in (self.mute_button, self.camera_button, self.speaker_button):
            button.setCheckable(True)
        self._layout()
        self.banner.setVisible(False)
        self.mute_button.toggled.connect(self._mute)
        self.camera_button.toggled.connect(self._camera)
        self.speaker_button.toggled.connect(self._speaker)
        self.hangup_button.clicked.connect(self.hangup_requested)
        self.resend_button.clicked.connect(self.resend_code_requested)
        self._clock = QTimer(self)
        self._clock.setInterval(500)
        self._clock.timeout.connect(self._tick)
        self._set_controls(CallState.IDLE)

    def _layout(self) -> None:
        top = QHBoxLayout()
        for widget in (self.state_label, self.duration_label, self.recording_label):
            top.addWidget(widget)
        top.addStretch(1)
        top.addWidget(self.poor_label)
        top.addWidget(self.quality_label)
        banner = QHBoxLayout(self.banner)
        banner.setContentsMargins(8, 4, 8, 4)
        banner.addWidget(self.banner_label, 1)
        banner.addWidget(self.resend_button)
        buttons = QHBoxLayout()
        for button in (self.mute_button, self.camera_button, self.speaker_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.hangup_button)
        root = QVBoxLayout(self)
        root.setContentsMargins(4, 4, 4, 4)
        root.addLayout(top)
        root.addWidget(self.banner)
        root.addWidget(self.device_warning_label)
        root.addWidget(self.view, 1)
        root.addLayout(buttons)
        root.addWidget(self.devices_label)

    # --- binding --------------------------------------------------------------------------
    def attach(self, session: CallSession) -> None:
        self.detach()
        self.session = session
        session.state_changed.connect(self._on_state)
        session.stats_updated.connect(self._on_stats)
        session.remote_video.on_ready = self.view.remote_arrived
        session.local_video.on_ready = self.view.local_arrived
        self.view.remote = lambda: session.remote_video.image
        self.view.local = lambda: session.local_video.image
        media = session.media
        self.mute_button.setChecked(media.muted)
        self.camera_button.setChecked(media.camera_off)
        self.speaker_button.setChecked(media.speaker_muted)
        media.warning_added = lambda _text: self._show_devices()
        self._show_devices()
        self._clock.start()
        self._on_state(session.state)

    def detach(self) -> None:
        session, self.session = self.session, None
        if session is None:
            return
        session.state_changed.disconnect(self._on_state)
        session.stats_updated.disconnect(self._on_stats)
        session.remote_video.on_ready = None
        session.local_video.on_ready = None
        session.media.warning_added = None
        self.view.remote = lambda: None
        self.view.local = lambda: None
        self._clock.stop()
        self._reset()
        self.view.update()

    def _reset(self) -> None:
        """Nothing of a finished call stays: the next case must not show its state or stats."""
        self.state_label.setText(STATE_TEXT[CallState.IDLE])
        self.view.placeholder = WAITING_TEXT[CallState.IDLE]
        self.duration_label.setText("00:00")
        self.recording_label.setVisible(False)
        self.quality_label.setText(self._quality_text(CallStats()))
        show_poor_connection(self.poor_label, CallStats())
        self.banner.setVisible(False)
        self.devices_label.clear()
        self.device_warning_label.clear()
        self.device_warning_label.setVisible(False)
        self._set_controls(CallState.IDLE)

    # --- reactions ------------------------------------------------------------------------
    def _on_state(self, state: CallState) -> None:
        self.state_label.setText(STATE_TEXT[state])
        self.view.placeholder = WAITING_TEXT[state]
        self.banner.setVisible(state == CallState.FAILED)
        self._set_controls(state)
        self._tick()
        self.view.update()

    def _show_devices(self) -> None:
        session = self.session
        if session is None:
            return
        media = session.media
        self.devices_label.setText(
            f"摄像头：{media.camera_name} · 麦克风：{media.microphone_name}"
            f" · 扬声器：{media.speaker_name}"
        )
        self.devices_label.setToolTip(self.devices_label.text())
        self.device_warning_label.setText("\n".join(f"⚠ {w}" for w in media.warnings))
        self.device_warning_label.setVisible(bool(media.warnings))
        self._set_controls(session.state)

    def _set_controls(self, state: CallState) -> None:
        live = state not in {CallState.IDLE, CallState.CLOSED}
        for button in (self.mute_button, self.camera_button, self.hangup_button):
            button.setEnabled(live)
        has_speaker = self.session is not None and self.session.media.speaker is not None
        self.speaker_button.setEnabled(live and has_speaker)
        if state == CallState.CLOSED:
            self._clock.stop()

    def _on_stats(self, stats: CallStats) -> None:
        self.quality_label.setText(self._quality_text(stats))
        connected = self.session is not None and self.session.state == CallState.CONNECTED
        show_poor_connection(self.poor_label, stats if connected else CallStats())

    @staticmethod
    def _quality_text(stats: CallStats) -> str:
        rtt = f"{stats.rtt_ms:.0f} ms" if stats.rtt_ms is not None else "—"
        loss = f"{stats.loss_pct:.1f}%" if stats.loss_pct is not None else "—"
        return f"往返 {rtt} · 丢包 {loss} · {stats.fps:.0f} fps · {stats.resolution}"

    def _tick(self) -> None:
        session = self.session
        if session is None:
            return
        seconds = int(session.call_seconds())
        hours, rest = divmod(seconds, 3600)
        text = f"{rest // 60:02d}:{rest % 60:02d}"
        self.duration_label.setText(f"通话 {hours}:{text}" if hours else f"通话 {text}")
        self.recording_label.setVisible(session.recording_active)

    def _mute(self, muted: bool) -> None:
        self.mute_button.setText("取消静音" if muted else "静音")
        if self.session is not None:
            self.session.set_muted(muted)
        self.mute_toggled.emit(muted)

    def _speaker(self, muted: bool) -> None:
        self.speaker_button.setText("打开声音" if muted else "关闭声音")
        if self.session is not None:
            self.session.media.set_speaker_muted(muted)

    def _camera(self, off: bool) -> None:
        self.camera_button.setText("打开摄像头" if off else "关闭摄像头")
        if self.session is not None:
            self.session.set_camera_off(off)
        self.camera_toggled.emit(off)
