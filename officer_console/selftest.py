"""``officer-console --selftest``: IT's acceptance check of an installation, without a window.

It exercises what a packaged console needs beyond the database (``officer-admin check`` covers
that): the media stack imports, QtPdf renders a page, video and audio frames survive an
encode/decode round trip through the codecs a call and a recording use, a Chinese font and the
Qt X11 libraries are present, audio devices are visible, shipped resources are complete, and —
once the statutory-documents package is installed — a sample decision is rendered, signed and
verified. Each line says pass/fail in Chinese and English; any failure makes the exit status 1.
Checks run in a throwaway directory and never touch the user's data.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, TextIO

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

from officer_console import __version__

PASS, WARN, SKIP, FAIL = "pass", "warn", "skip", "fail"
LABELS = {PASS: "通过 PASS", WARN: "警告 WARN", SKIP: "跳过 SKIP", FAIL: "失败 FAIL"}
SAMPLE_MODULE = "officer_console.documents.sample"


class Skipped(Exception):
    """The check does not apply here (e.g. a component that is not installed yet)."""


class NeedsAttention(Exception):
    """Works, but IT should look (e.g. no audio devices on this machine)."""


@dataclass(frozen=True)
class Check:
    key: str
    title: str  # Chinese + English, shown in the list
    run: Callable[[Path], str]  # returns the detail line; raises on failure


@dataclass(frozen=True)
class Result:
    key: str
    title: str
    status: str
    detail: str
    seconds: float
    trace: str = ""  # the traceback of a failure, printed with -v only

    def render(self) -> str:
        return f"[{LABELS[self.status]}] {self.title}: {self.detail}  ({self.seconds:.2f} s)"


# --- the checks -------------------------------------------------------------------------------


def check_media_stack(_: Path) -> str:
    import aiortc
    import av
    import PySide6
    from PySide6 import QtMultimedia

    assert QtMultimedia.QMediaDevices is not None
    return f"PySide6 {PySide6.__version__} · aiortc {aiortc.__version__} · PyAV {av.__version__}"


def _tiny_pdf(path: Path) -> None:
    """One A6 page with a black box in the middle (so a rendered page can be checked)."""
    from reportlab.lib.pagesizes import A6
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A6)
    width, height = A6
    pdf.rect(width / 4, height / 4, width / 2, height / 2, stroke=0, fill=1)
    pdf.drawString(20, 20, "Officer Console self-test")
    pdf.showPage()
    pdf.save()


def check_qtpdf(workdir: Path) -> str:
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QColor
    from PySide6.QtPdf import QPdfDocument

    path = workdir / "selftest.pdf"
    _tiny_pdf(path)
    document = QPdfDocument()
    error = document.load(str(path))
    if error != QPdfDocument.Error.None_:
        raise RuntimeError(f"QPdfDocument.load: {error.name}")
    if document.pageCount() != 1:
        raise RuntimeError(f"页数应为 1，实际 {document.pageCount()}")
    image = document.render(0, QSize(150, 212))
    if image.isNull():
        raise RuntimeError("页面渲染结果为空")
    # QtPdf leaves the paper transparent: ink is opaque and dark, paper clear or light.
    centre = QColor.fromRgba(image.pixel(75, 106))
    corner = QColor.fromRgba(image.pixel(3, 3))
    ink = centre.alpha() > 200 and centre.lightness() < 60
    paper = corner.alpha() < 50 or corner.lightness() > 200
    if not (ink and paper):
        raise RuntimeError(f"页面渲染内容不对（中心 {centre.name()}，边角 {corner.name()}）")
    document.close()
    return f"1 页已加载并渲染为 {image.width()}×{image.height()} 图像"


def _test_frames(count: int, width: int = 160, height: int = 120) -> list[Any]:
    """A bar growing across the picture, 10 frames a second on the 90 kHz RTP clock."""
    import av
    import numpy as np

    frames = []
    for i in range(count):
        rgb = np.zeros((height, width, 3), dtype=np.uint8)
        rgb[:, : (i + 1) * width // count] = (200, 60, 20)
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts, frame.time_base = i * 9000, Fraction(1, 90000)
        frames.append(frame)
    return frames


def _mp4_roundtrip(count: int) -> int:
    """Encode with libx264 into fragmented MP4 in memory (as recordings are), decode it back."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4", options={"movflags": "frag_keyframe"}) as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.options = {"preset": "ultrafast", "tune": "zerolatency"}
        for frame in _test_frames(count):
            for packet in stream.encode(frame.reformat(format="yuv420p")):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    buffer.seek(0)
    with av.open(buffer, mode="r") as source:
        return sum(1 for _ in source.decode(video=0))


def _rtp_roundtrip(mime: str, frames: Sequence[Any]) -> int:
    """Encode frames with the call's codec (aiortc), depayload and decode them again."""
    from aiortc.codecs import depayload, get_decoder, get_encoder
    from aiortc.jitterbuffer import JitterFrame
    from aiortc.rtcrtpparameters import RTCRtpCodecParameters

    clock = 48000 if mime.startswith("audio/") else 90000
    codec = RTCRtpCodecParameters(
        mimeType=mime, clockRate=clock, payloadType=96, channels=2 if "opus" in mime else None
    )
    encoder, decoder = get_encoder(codec), get_decoder(codec)
    decoded = 0
    for i, frame in enumerate(frames):
        payloads, timestamp = encoder.encode(frame, force_keyframe=i == 0)
        data = b"".join(depayload(codec, p) for p in payloads)
        decoded += len(decoder.decode(JitterFrame(data=data, timestamp=timestamp)))
    return decoded


def _audio_frames(count: int) -> list[Any]:
    import av
    import numpy as np

    frames = []
    t = np.arange(960) / 48000
    for i in range(count):
        tone = (8000 * np.sin(2 * np.pi * 440 * (t + i * 0.02))).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(tone.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = 48000, i * 960, Fraction(1, 48000)
        frames.append(frame)
    return frames


def check_video(_: Path) -> str:
    frames = 10
    parts = []
    mp4 = _mp4_roundtrip(frames)
    if mp4 != frames:
        raise RuntimeError(f"H.264/MP4 录像编解码：编码 {frames} 帧，解码 {mp4} 帧")
    parts.append(f"H.264/MP4 {mp4}/{frames}")
    for mime, name in (("video/VP8", "VP8"), ("video/H264", "H.264 RTP")):
        got = _rtp_roundtrip(mime, _test_frames(frames))
        if got < frames - 1:  # a decoder may hold back one frame
            raise RuntimeError(f"{name} 通话编解码：编码 {frames} 帧，解码 {got} 帧")
        parts.append(f"{name} {got}/{frames}")
    got = _rtp_roundtrip("audio/opus", _audio_frames(frames))
    if got < frames - 1:
        raise RuntimeError(f"Opus 音频编解码：编码 {frames} 帧，解码 {got} 帧")
    parts.append(f"Opus {got}/{frames}")
    return " · ".join(parts) + "（编码/解码帧数 frames decoded）"


def _document_fonts() -> list[Path]:
    from officer_console.paths import resource

    folder = resource("fonts")
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in {".ttf", ".ttc", ".otf"})


def check_fonts(_: Path) -> str:
    from officer_console.gui.shell.fonts import FONT_HINT, check_cjk_font

    found = check_cjk_font()
    if not found.ok:
        raise RuntimeError(FONT_HINT)
    detail = f"界面中文字体 UI font: {found.family}"
    shipped = _document_fonts()
    if shipped:
        from reportlab.pdfbase.ttfonts import TTFont

        for font in shipped:
            TTFont("SelfTest" + font.stem, str(font), subfontIndex=0)
        detail += f" · 文书字体 document font: {', '.join(p.name for p in shipped)}"
    return detail


def check_audio(_: Path) -> str:
    from officer_console.video import devices

    mics, speakers, cameras = devices.microphones(), devices.speakers(), devices.cameras()

    def names(choices: list[devices.DeviceChoice]) -> str:
        shown = ", ".join(c.description + ("*" if c.is_default else "") for c in choices[:3])
        return shown + (" …" if len(choices) > 3 else "") if choices else "无 none"

    detail = (
        f"麦克风 microphones {len(mics)}: {names(mics)} · 扬声器 speakers {len(speakers)}: "
        f"{names(speakers)} · 摄像头 cameras {len(cameras)}"
    )
    if not mics or not speakers:
        raise NeedsAttention(
            detail + "。未发现音频设备：请检查声卡和 PulseAudio/PipeWire 是否运行"
            " (no audio devices: is a sound server running?)"
        )
    return detail


def check_qt_platform(_: Path) -> str:
    """The X11 (xcb) platform plugin's libraries; a missing one is the classic start failure."""
    from PySide6.QtCore import QLibraryInfo

    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    plugin = plugins / "platforms" / "libqxcb.so"
    if not plugin.is_file():
        raise Skipped(f"没有 X11 平台插件 no xcb plugin ({sys.platform})")
    ldd = shutil.which("ldd")
    if ldd is None:
        raise Skipped("没有 ldd，无法检查 no ldd")
    env = dict(os.environ)
    qt_lib = plugins.parent / "lib"
    env["LD_LIBRARY_PATH"] = os.pathsep.join(
        p for p in (str(qt_lib), str(plugins.parent.parent), env.get("LD_LIBRARY_PATH", "")) if p
    )
    done = subprocess.run(  # noqa: S603 - fixed program, our own plugin path
        [ldd, str(plugin)], capture_output=True, text=True, env=env, timeout=30, check=False
    )
    missing = sorted({line.split()[0] for line in done.stdout.splitlines() if "not found" in line})
    if missing:
        raise RuntimeError(
            "Qt X11 插件缺少系统库 missing libraries: "
            + ", ".join(missing)
            + "（Debian: apt-get install libxcb-cursor0 libxkbcommon-x11-0 …）"
        )
    return f"libqxcb.so 依赖齐全 all libraries found ({len(done.stdout.splitlines())})"


def check_resources(_: Path) -> str:
    from PySide6.QtCore import QTranslator

    from officer_console.paths import resource, resources_dir
    from officer_console.store.db.schema import head_revision

    folder = resources_dir()
    translator = QTranslator()
    if not translator.load("officer_console_zh_CN", str(resource("translations"))):
        raise RuntimeError(f"界面翻译无法加载 translations missing in {folder}")
    for part in ("citizen/index.html", "catalogue"):
        if not resource(*part.split("/")).exists():
            raise RuntimeError(f"缺少资源文件 missing resource: {part}")
    return f"{folder} · 翻译 translations · 数据库迁移 migrations head {head_revision()}"


def check_database_drivers(_: Path) -> str:
    """Both drivers load (the frozen bundle must carry psycopg's libpq); no server is contacted."""
    import sqlite3

    import psycopg
    from sqlalchemy import create_engine

    for url in ("sqlite://", "postgresql+psycopg://selftest@localhost/selftest"):
        create_engine(url).dispose()  # resolves the dialect and imports the DBAPI module
    return (
        f"SQLite {sqlite3.sqlite_version} · psycopg {psycopg.__version__} ({psycopg.pq.__impl__})"
    )


def check_documents(workdir: Path, module: str = SAMPLE_MODULE) -> str:
    try:
        spec = importlib.util.find_spec(module)
    except ModuleNotFoundError:
        spec = None
    if spec is None:
        raise Skipped("法律文书模块未安装 statutory documents not installed")
    sample = importlib.import_module(module)
    folder = workdir / "documents"
    folder.mkdir()
    return str(sample.sample_decision_roundtrip(folder))


CHECKS: tuple[Check, ...] = (
    Check("media", "媒体组件 Media stack", check_media_stack),
    Check("qtpdf", "PDF 查看 QtPdf", check_qtpdf),
    Check("video", "音视频编解码 Codecs", check_video),
    Check("fonts", "中文字体 CJK fonts", check_fonts),
    Check("audio", "音频设备 Audio devices", check_audio),
    Check("platform", "X11 图形库 Qt xcb libraries", check_qt_platform),
    Check("resources", "程序资源 Resources", check_resources),
    Check("database", "数据库驱动 Database drivers", check_database_drivers),
    Check("documents", "法律文书 Sample decision (render/sign/verify)", check_documents),
)


def run_check(check: Check, workdir: Path) -> Result:
    started = time.perf_counter()
    trace = ""
    try:
        status, detail = PASS, check.run(workdir)
    except Skipped as exc:
        status, detail = SKIP, str(exc)
    except NeedsAttention as exc:
        status, detail = WARN, str(exc)
    except Exception as exc:  # every failure becomes one line for IT (traceback with -v)
        first = (str(exc).strip().splitlines() or [""])[0]
        status, detail = FAIL, f"{type(exc).__name__}: {first}" if first else type(exc).__name__
        trace = traceback.format_exc()
    return Result(check.key, check.title, status, detail, time.perf_counter() - started, trace)


def ensure_gui_application() -> Any:
    """Fonts and QtMultimedia need a QGuiApplication; offscreen unless a platform is chosen."""
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication([sys.argv[0] if sys.argv else "officer-console"])
    return app


def _collect_qt_messages(into: list[str]) -> Any:
    """Qt's own diagnostics (e.g. which audio backends it probed) would interleave with the
    list on the terminal; keep them, and print them with -v. Returns the previous handler."""

    def handler(_kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        into.append(message)

    return qInstallMessageHandler(handler)


def run_all(
    checks: Sequence[Check] = CHECKS, out: TextIO | None = None, *, verbose: bool = False
) -> tuple[int, list[Result]]:
    """Run every check, printing each line as it finishes; (exit status, results)."""
    stream = out or sys.stdout
    started = time.perf_counter()
    print(f"Officer Console {__version__} 自检 self-test", file=stream, flush=True)
    app = ensure_gui_application()
    results: list[Result] = []
    qt_messages: list[str] = []
    previous = _collect_qt_messages(qt_messages)
    try:
        with tempfile.TemporaryDirectory(prefix="officer-selftest-") as tmp:
            for check in checks:
                workdir = Path(tmp) / check.key
                workdir.mkdir()
                result = run_check(check, workdir)
                results.append(result)
                print(result.render(), file=stream, flush=True)
                if verbose and result.trace:
                    print(result.trace, file=stream, flush=True)
    finally:
        qInstallMessageHandler(previous)
    if verbose:
        for message in qt_messages:
            print(f"  Qt: {message}", file=stream, flush=True)
    del app
    counts = {s: sum(r.status == s for r in results) for s in LABELS}
    verdict = "失败 FAILED" if counts[FAIL] else "通过 PASSED"
    print(
        f"结果 Result: {verdict} — {counts[PASS]} 通过 passed, {counts[FAIL]} 失败 failed, "
        f"{counts[WARN]} 警告 warnings, {counts[SKIP]} 跳过 skipped"
        f"  ({time.perf_counter() - started:.1f} s)",
        file=stream,
        flush=True,
    )
    return (1 if counts[FAIL] else 0), results


def main(*, verbose: bool = False) -> int:
    status, _ = run_all(verbose=verbose)
    return status
