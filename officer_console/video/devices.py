"""Which camera, microphone and speaker a call uses, chosen through QtMultimedia.

Settings store a device *id* (stable across restarts and re-plugging, unlike a list index);
``""`` means the system default, ``synthetic`` a test card / tone, ``none`` a silent speaker.
A configured device that is missing never stops a call: it falls back to the default device,
then to a test card (camera) or silence (microphone, speaker), and says so in a Chinese
warning the video pane shows. Device lists are empty without a sound server (docs/pitfalls.md:
QtMultimedia talks to PulseAudio).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from PySide6.QtMultimedia import QAudioDevice, QCameraDevice, QMediaDevices

SYSTEM_DEFAULT = ""
SYNTHETIC = "synthetic"
SILENT = "none"

D = TypeVar("D", QAudioDevice, QCameraDevice)


@dataclass(frozen=True)
class DeviceChoice:
    """One entry of a device list, as the settings dialog shows it."""

    id: str
    description: str
    is_default: bool


@dataclass(frozen=True)
class Resolved(Generic[D]):
    """The device to open (``None``: synthetic or silent) and why, when it is not the choice."""

    device: D | None
    warning: str = ""


def device_id(device: QAudioDevice | QCameraDevice) -> str:
    return bytes(device.id().data()).decode("utf-8", errors="replace")


def _choices(devices: list[D]) -> list[DeviceChoice]:
    return [DeviceChoice(device_id(d), d.description(), d.isDefault()) for d in devices]


def cameras() -> list[DeviceChoice]:
    return _choices(QMediaDevices.videoInputs())


def microphones() -> list[DeviceChoice]:
    return _choices(QMediaDevices.audioInputs())


def speakers() -> list[DeviceChoice]:
    return _choices(QMediaDevices.audioOutputs())


def _resolve(value: str, devices: list[D], default: D, what: str, fallback: str) -> Resolved[D]:
    if value in (SYNTHETIC, SILENT):
        return Resolved(None)
    if value:
        for device in devices:
            if device_id(device) == value:
                return Resolved(device)
    if not default.isNull():
        missing = f"所选{what}（{value}）未连接，已改用系统默认{what}：{default.description()}"
        return Resolved(default, missing if value else "")
    if devices:  # no default reported, but something is plugged in
        return Resolved(devices[0], f"未设置默认{what}，已使用：{devices[0].description()}")
    return Resolved(None, f"未检测到{what}，{fallback}")


def resolve_camera(value: str) -> Resolved[QCameraDevice]:
    return _resolve(
        value,
        QMediaDevices.videoInputs(),
        QMediaDevices.defaultVideoInput(),
        "摄像头",
        "对方看到的是测试画面",
    )


def resolve_microphone(value: str) -> Resolved[QAudioDevice]:
    return _resolve(
        value,
        QMediaDevices.audioInputs(),
        QMediaDevices.defaultAudioInput(),
        "麦克风",
        "对方听不到您的声音",
    )


def resolve_speaker(value: str) -> Resolved[QAudioDevice]:
    return _resolve(
        value,
        QMediaDevices.audioOutputs(),
        QMediaDevices.defaultAudioOutput(),
        "扬声器",
        "听不到对方声音",
    )
