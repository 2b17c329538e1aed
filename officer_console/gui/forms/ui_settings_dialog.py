# Generated from ui/settings_dialog.ui by pyside6-uic — do not edit
# mypy: ignore-errors
# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'settings_dialog.ui'
##
## Created by: Qt User Interface Compiler version 6.11.3
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from PySide6.QtCore import (QCoreApplication, QDate, QDateTime, QLocale,
    QMetaObject, QObject, QPoint, QRect,
    QSize, QTime, QUrl, Qt)
from PySide6.QtGui import (QBrush, QColor, QConicalGradient, QCursor,
    QFont, QFontDatabase, QGradient, QIcon,
    QImage, QKeySequence, QLinearGradient, QPainter,
    QPalette, QPixmap, QRadialGradient, QTransform)
from PySide6.QtWidgets import (QAbstractButton, QApplication, QCheckBox, QComboBox,
    QDialog, QDialogButtonBox, QFormLayout, QGroupBox,
    QHBoxLayout, QLabel, QLineEdit, QProgressBar,
    QPushButton, QSizePolicy, QSpinBox, QVBoxLayout,
    QWidget)

class Ui_SettingsDialog(object):
    def setupUi(self, settings_dialog):
        if not settings_dialog.objectName():
            settings_dialog.setObjectName(u"settings_dialog")
        settings_dialog.resize(620, 560)
        self.main_layout = QVBoxLayout(settings_dialog)
        self.main_layout.setObjectName(u"main_layout")
        self.database_group = QGroupBox(settings_dialog)
        self.database_group.setObjectName(u"database_group")
        self.database_layout = QVBoxLayout(self.database_group)
        self.database_layout.setObjectName(u"database_layout")
        self.database_url_edit = QLineEdit(self.database_group)
        self.database_url_edit.setObjectName(u"database_url_edit")

        self.database_layout.addWidget(self.database_url_edit)

        self.database_hint_label = QLabel(self.database_group)
        self.database_hint_label.setObjectName(u"database_hint_label")
        self.database_hint_label.setStyleSheet(u"color: #555;")
        self.database_hint_label.setWordWrap(True)

        self.database_layout.addWidget(self.database_hint_label)


        self.main_layout.addWidget(self.database_group)

        self.gateway_group = QGroupBox(settings_dialog)
        self.gateway_group.setObjectName(u"gateway_group")
        self.gateway_layout = QFormLayout(self.gateway_group)
        self.gateway_layout.setObjectName(u"gateway_layout")
        self.gateway_url_label = QLabel(self.gateway_group)
        self.gateway_url_label.setObjectName(u"gateway_url_label")

        self.gateway_layout.setWidget(0, QFormLayout.ItemRole.LabelRole, self.gateway_url_label)

        self.gateway_url_edit = QLineEdit(self.gateway_group)
        self.gateway_url_edit.setObjectName(u"gateway_url_edit")

        self.gateway_layout.setWidget(0, QFormLayout.ItemRole.FieldRole, self.gateway_url_edit)


        self.main_layout.addWidget(self.gateway_group)

        self.security_group = QGroupBox(settings_dialog)
        self.security_group.setObjectName(u"security_group")
        self.security_layout = QFormLayout(self.security_group)
        self.security_layout.setObjectName(u"security_layout")
        self.inactivity_label = QLabel(self.security_group)
        self.inactivity_label.setObjectName(u"inactivity_label")

        self.security_layout.setWidget(0, QFormLayout.ItemRole.LabelRole, self.inactivity_label)

        self.inactivity_spin = QSpinBox(self.security_group)
        self.inactivity_spin.setObjectName(u"inactivity_spin")
        self.inactivity_spin.setMinimum(1)
        self.inactivity_spin.setMaximum(240)
        self.inactivity_spin.setValue(30)

        self.security_layout.setWidget(0, QFormLayout.ItemRole.FieldRole, self.inactivity_spin)

        self.require_totp_check = QCheckBox(self.security_group)
        self.require_totp_check.setObjectName(u"require_totp_check")

        self.security_layout.setWidget(1, QFormLayout.ItemRole.SpanningRole, self.require_totp_check)


        self.main_layout.addWidget(self.security_group)

        self.devices_group = QGroupBox(settings_dialog)
        self.devices_group.setObjectName(u"devices_group")
        self.devices_layout = QFormLayout(self.devices_group)
        self.devices_layout.setObjectName(u"devices_layout")
        self.camera_label = QLabel(self.devices_group)
        self.camera_label.setObjectName(u"camera_label")

        self.devices_layout.setWidget(0, QFormLayout.ItemRole.LabelRole, self.camera_label)

        self.camera_combo = QComboBox(self.devices_group)
        self.camera_combo.setObjectName(u"camera_combo")

        self.devices_layout.setWidget(0, QFormLayout.ItemRole.FieldRole, self.camera_combo)

        self.microphone_label = QLabel(self.devices_group)
        self.microphone_label.setObjectName(u"microphone_label")

        self.devices_layout.setWidget(1, QFormLayout.ItemRole.LabelRole, self.microphone_label)

        self.microphone_combo = QComboBox(self.devices_group)
        self.microphone_combo.setObjectName(u"microphone_combo")

        self.devices_layout.setWidget(1, QFormLayout.ItemRole.FieldRole, self.microphone_combo)

        self.microphone_level_label = QLabel(self.devices_group)
        self.microphone_level_label.setObjectName(u"microphone_level_label")

        self.devices_layout.setWidget(2, QFormLayout.ItemRole.LabelRole, self.microphone_level_label)

        self.microphone_level = QProgressBar(self.devices_group)
        self.microphone_level.setObjectName(u"microphone_level")
        self.microphone_level.setMaximum(100)
        self.microphone_level.setValue(0)
        self.microphone_level.setTextVisible(False)

        self.devices_layout.setWidget(2, QFormLayout.ItemRole.FieldRole, self.microphone_level)

        self.speaker_label = QLabel(self.devices_group)
        self.speaker_label.setObjectName(u"speaker_label")

        self.devices_layout.setWidget(3, QFormLayout.ItemRole.LabelRole, self.speaker_label)

        self.speaker_row = QHBoxLayout()
        self.speaker_row.setObjectName(u"speaker_row")
        self.speaker_combo = QComboBox(self.devices_group)
        self.speaker_combo.setObjectName(u"speaker_combo")
        sizePolicy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        sizePolicy.setHorizontalStretch(1)
        sizePolicy.setVerticalStretch(0)
        sizePolicy.setHeightForWidth(self.speaker_combo.sizePolicy().hasHeightForWidth())
        self.speaker_combo.setSizePolicy(sizePolicy)

        self.speaker_row.addWidget(self.speaker_combo)

        self.speaker_test_button = QPushButton(self.devices_group)
        self.speaker_test_button.setObjectName(u"speaker_test_button")

        self.speaker_row.addWidget(self.speaker_test_button)


        self.devices_layout.setLayout(3, QFormLayout.ItemRole.FieldRole, self.speaker_row)

        self.devices_hint_label = QLabel(self.devices_group)
        self.devices_hint_label.setObjectName(u"devices_hint_label")
        self.devices_hint_label.setStyleSheet(u"color: #555;")
        self.devices_hint_label.setWordWrap(True)

        self.devices_layout.setWidget(4, QFormLayout.ItemRole.SpanningRole, self.devices_hint_label)


        self.main_layout.addWidget(self.devices_group)

        self.config_path_label = QLabel(settings_dialog)
        self.config_path_label.setObjectName(u"config_path_label")
        self.config_path_label.setStyleSheet(u"color: #555;")
        self.config_path_label.setText(u"")
        self.config_path_label.setWordWrap(True)
        self.config_path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.main_layout.addWidget(self.config_path_label)

        self.settings_error_label = QLabel(settings_dialog)
        self.settings_error_label.setObjectName(u"settings_error_label")
        self.settings_error_label.setStyleSheet(u"color: #b00020;")
        self.settings_error_label.setText(u"")
        self.settings_error_label.setWordWrap(True)

        self.main_layout.addWidget(self.settings_error_label)

        self.button_box = QDialogButtonBox(settings_dialog)
        self.button_box.setObjectName(u"button_box")
        self.button_box.setStandardButtons(QDialogButtonBox.StandardButton.Cancel|QDialogButtonBox.StandardButton.Save)

        self.main_layout.addWidget(self.button_box)

#if QT_CONFIG(shortcut)
        self.gateway_url_label.setBuddy(self.gateway_url_edit)
        self.inactivity_label.setBuddy(self.inactivity_spin)
#endif // QT_CONFIG(shortcut)

        self.retranslateUi(settings_dialog)

        QMetaObject.connectSlotsByName(settings_dialog)
    # setupUi

    def retranslateUi(self, settings_dialog):
        settings_dialog.setWindowTitle(QCoreApplication.translate("SettingsDialog", u"Settings", None))
        self.database_group.setTitle(QCoreApplication.translate("SettingsDialog", u"Database", None))
        self.database_url_edit.setPlaceholderText(QCoreApplication.translate("SettingsDialog", u"Empty: the SQLite file in the data directory", None))
        self.database_hint_label.setText(QCoreApplication.translate("SettingsDialog", u"A SQLAlchemy URL, e.g. postgresql+psycopg://officer@db.example/console?sslmode=verify-full. Never put a password here: use the OFFICER_CONSOLE_DATABASE_URL environment variable or the PostgreSQL password file. Takes effect after a restart.", None))
        self.gateway_group.setTitle(QCoreApplication.translate("SettingsDialog", u"Citizen gateway", None))
        self.gateway_url_label.setText(QCoreApplication.translate("SettingsDialog", u"Gateway URL", None))
        self.security_group.setTitle(QCoreApplication.translate("SettingsDialog", u"Security", None))
        self.inactivity_label.setText(QCoreApplication.translate("SettingsDialog", u"Lock after inactivity", None))
        self.inactivity_spin.setSuffix(QCoreApplication.translate("SettingsDialog", u" min", None))
        self.require_totp_check.setText(QCoreApplication.translate("SettingsDialog", u"Require a one-time code (TOTP) for every sign-in at this workstation", None))
        self.devices_group.setTitle(QCoreApplication.translate("SettingsDialog", u"Devices", None))
        self.camera_label.setText(QCoreApplication.translate("SettingsDialog", u"Camera", None))
        self.microphone_label.setText(QCoreApplication.translate("SettingsDialog", u"Microphone", None))
        self.microphone_level_label.setText(QCoreApplication.translate("SettingsDialog", u"Input level", None))
        self.speaker_label.setText(QCoreApplication.translate("SettingsDialog", u"Speaker", None))
        self.speaker_test_button.setText(QCoreApplication.translate("SettingsDialog", u"Test", None))
        self.devices_hint_label.setText(QCoreApplication.translate("SettingsDialog", u"Used from the next video call on. Without a device the call still runs: a test card instead of the camera, silence instead of the microphone.", None))
    # retranslateUi

