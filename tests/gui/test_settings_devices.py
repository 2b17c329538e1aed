"""Settings → devices with real QtMultimedia device lists from a private PulseAudio server:
the lists, keeping an unplugged choice, the microphone level meter, the speaker test tone,
saving to the TOML file, and the next call using what was saved."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from officer_console.config import load_settings
from officer_console.gui.shell import i18n
from officer_console.gui.shell.settings_dialog import SettingsDialog
from officer_console.video import devices
from officer_console.video.media import LocalMedia, MediaConfig
from tests.support.pulse import MICROPHONE, SPEAKER, PulseServer, dominant_frequency, rms

LEFT = Qt.MouseButton.LeftButton


def dialog_for(qtbot: QtBot, qapp: QApplication, tmp_path: Path, toml: str = "") -> SettingsDialog:
    i18n.install_translators(qapp, "zh_CN")
    if toml:
        (tmp_path / "config.toml").write_text(toml, encoding="utf-8")
    dialog = SettingsDialog(load_settings(env={}, data_dir=tmp_path))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def entries(combo: object) -> list[tuple[str, str]]:
    return [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())]  # type: ignore[attr-defined]


def test_the_lists_come_from_the_sound_server(
    sound: PulseServer, qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    dialog = dialog_for(qtbot, qapp, tmp_path)
    assert entries(dialog.ui.speaker_combo) == [
        ("系统默认（Null Output）", ""),
        ("Null Output", SPEAKER),
        ("不播放声音", devices.SILENT),
    ]
    mic = entries(dialog.ui.microphone_combo)
    assert mic[0][1] == "" and (mic[1][1], mic[-1][1]) == (MICROPHONE, devices.SYNTHETIC)
    assert entries(dialog.ui.camera_combo) == [
        ("系统默认（未检测到）", ""),
        ("测试画面（不使用摄像头）", devices.SYNTHETIC),
    ]
    assert dialog.ui.speaker_test_button.isEnabled()
    dialog.ui.speaker_combo.setCurrentIndex(dialog.ui.speaker_combo.findData(devices.SILENT))
    assert not dialog.ui.speaker_test_button.isEnabled()


def test_an_unplugged_device_is_kept_and_named(
    sound: PulseServer, qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    dialog = dialog_for(qtbot, qapp, tmp_path, 'speaker = "usb-headset-7"\n')
    combo = dialog.ui.speaker_combo
    assert combo.currentData() == "usb-headset-7"
    assert combo.currentText() == "usb-headset-7（未连接）"
    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(dialog.ui.button_box.button(QDialogButtonBox.StandardButton.Save), LEFT)
    assert tomllib.loads((tmp_path / "config.toml").read_text())["speaker"] == "usb-headset-7"


@pytest.mark.realtime  # sound measured in real time: alone after the parallel run
def test_the_level_meter_moves_with_sound_in_the_room(
    sound: PulseServer, qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    dialog = dialog_for(qtbot, qapp, tmp_path, f'microphone = "{MICROPHONE}"\n')
    meter = dialog.ui.microphone_level
    assert meter.isEnabled()
    player = sound.play_tone(500.0, 3.0)
    try:
        qtbot.waitUntil(lambda: meter.value() >= 20, timeout=8000)  # 0.3 full scale → ~30
    finally:
        player.kill()
        player.wait()
    dialog.ui.microphone_combo.setCurrentIndex(
        dialog.ui.microphone_combo.findData(devices.SYNTHETIC)
    )
    assert meter.value() == 0 and not meter.isEnabled()


@pytest.mark.realtime  # sound measured in real time: alone after the parallel run
def test_the_speaker_test_is_heard_on_the_chosen_speaker(
    sound: PulseServer, qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    dialog = dialog_for(qtbot, qapp, tmp_path, f'speaker = "{SPEAKER}"\n')
    heard = []
    for _ in range(3):  # the null sink may take up to ~2 s to start pulling a new stream
        qtbot.mouseClick(dialog.ui.speaker_test_button, LEFT)
        heard.append(sound.record(1.0))
        if rms(heard[-1]) > 1000:
            break
    assert rms(heard[-1]) > 1000
    assert abs(dominant_frequency(heard[-1]) - 440.0) < 5
    dialog.reject()


def test_saved_choices_reach_the_toml_and_the_next_call(
    sound: PulseServer, qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    dialog = dialog_for(qtbot, qapp, tmp_path)
    ui = dialog.ui
    ui.camera_combo.setCurrentIndex(ui.camera_combo.findData(devices.SYNTHETIC))
    ui.microphone_combo.setCurrentIndex(ui.microphone_combo.findData(MICROPHONE))
    ui.speaker_combo.setCurrentIndex(ui.speaker_combo.findData(SPEAKER))
    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(ui.button_box.button(QDialogButtonBox.StandardButton.Save), LEFT)
    table = tomllib.loads((tmp_path / "config.toml").read_text(encoding="utf-8"))
    assert (table["camera"], table["microphone"], table["speaker"]) == (
        devices.SYNTHETIC,
        MICROPHONE,
        SPEAKER,
    )
    media = LocalMedia(MediaConfig.from_settings(load_settings(env={}, data_dir=tmp_path)))
    try:
        assert media.warnings == []
        assert (media.camera_name, media.speaker_name) == ("测试画面", "Null Output")
        assert media.microphone_name.startswith("Virtual Source")
    finally:
        media.stop()
