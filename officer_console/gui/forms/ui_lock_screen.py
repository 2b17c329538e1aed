# Generated from ui/lock_screen.ui by pyside6-uic — do not edit
# mypy: ignore-errors
# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'lock_screen.ui'
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
from PySide6.QtWidgets import (QApplication, QFormLayout, QFrame, QGridLayout,
    QHBoxLayout, QLabel, QLineEdit, QPushButton,
    QSizePolicy, QSpacerItem, QVBoxLayout, QWidget)

class Ui_LockScreen(object):
    def setupUi(self, lock_screen):
        if not lock_screen.objectName():
            lock_screen.setObjectName(u"lock_screen")
        lock_screen.resize(800, 600)
        self.outer_layout = QGridLayout(lock_screen)
        self.outer_layout.setObjectName(u"outer_layout")
        self.top_spacer = QSpacerItem(20, 40, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.outer_layout.addItem(self.top_spacer, 0, 1, 1, 1)

        self.left_spacer = QSpacerItem(40, 20, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.outer_layout.addItem(self.left_spacer, 1, 0, 1, 1)

        self.lock_frame = QFrame(lock_screen)
        self.lock_frame.setObjectName(u"lock_frame")
        self.lock_frame.setMinimumSize(QSize(420, 0))
        self.lock_frame.setFrameShape(QFrame.Shape.StyledPanel)
        self.frame_layout = QVBoxLayout(self.lock_frame)
        self.frame_layout.setSpacing(10)
        self.frame_layout.setObjectName(u"frame_layout")
        self.frame_layout.setContentsMargins(24, 20, 24, 20)
        self.lock_title_label = QLabel(self.lock_frame)
        self.lock_title_label.setObjectName(u"lock_title_label")
        self.lock_title_label.setStyleSheet(u"font-size: 16pt; font-weight: bold;")
        self.lock_title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.frame_layout.addWidget(self.lock_title_label)

        self.lock_info_label = QLabel(self.lock_frame)
        self.lock_info_label.setObjectName(u"lock_info_label")
        self.lock_info_label.setText(u"")
        self.lock_info_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.lock_info_label.setWordWrap(True)

        self.frame_layout.addWidget(self.lock_info_label)

        self.lock_form = QFormLayout()
        self.lock_form.setObjectName(u"lock_form")
        self.lock_password_label = QLabel(self.lock_frame)
        self.lock_password_label.setObjectName(u"lock_password_label")

        self.lock_form.setWidget(0, QFormLayout.ItemRole.LabelRole, self.lock_password_label)

        self.lock_password_edit = QLineEdit(self.lock_frame)
        self.lock_password_edit.setObjectName(u"lock_password_edit")
        self.lock_password_edit.setMaxLength(128)
        self.lock_password_edit.setEchoMode(QLineEdit.EchoMode.Password)

        self.lock_form.setWidget(0, QFormLayout.ItemRole.FieldRole, self.lock_password_edit)

        self.lock_totp_label = QLabel(self.lock_frame)
        self.lock_totp_label.setObjectName(u"lock_totp_label")

        self.lock_form.setWidget(1, QFormLayout.ItemRole.LabelRole, self.lock_totp_label)

        self.lock_totp_edit = QLineEdit(self.lock_frame)
        self.lock_totp_edit.setObjectName(u"lock_totp_edit")
        self.lock_totp_edit.setMaxLength(6)

        self.lock_form.setWidget(1, QFormLayout.ItemRole.FieldRole, self.lock_totp_edit)


        self.frame_layout.addLayout(self.lock_form)

        self.lock_error_label = QLabel(self.lock_frame)
        self.lock_error_label.setObjectName(u"lock_error_label")
        self.lock_error_label.setStyleSheet(u"color: #b00020;")
        self.lock_error_label.setText(u"")
        self.lock_error_label.setWordWrap(True)

        self.frame_layout.addWidget(self.lock_error_label)

        self.lock_buttons = QHBoxLayout()
        self.lock_buttons.setObjectName(u"lock_buttons")
        self.lock_exit_button = QPushButton(self.lock_frame)
        self.lock_exit_button.setObjectName(u"lock_exit_button")
        self.lock_exit_button.setAutoDefault(False)

        self.lock_buttons.addWidget(self.lock_exit_button)

        self.lock_button_spacer = QSpacerItem(40, 20, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.lock_buttons.addItem(self.lock_button_spacer)

        self.unlock_button = QPushButton(self.lock_frame)
        self.unlock_button.setObjectName(u"unlock_button")
        self.unlock_button.setMinimumSize(QSize(110, 0))

        self.lock_buttons.addWidget(self.unlock_button)


        self.frame_layout.addLayout(self.lock_buttons)


        self.outer_layout.addWidget(self.lock_frame, 1, 1, 1, 1)

        self.right_spacer = QSpacerItem(40, 20, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.outer_layout.addItem(self.right_spacer, 1, 2, 1, 1)

        self.bottom_spacer = QSpacerItem(20, 40, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.outer_layout.addItem(self.bottom_spacer, 2, 1, 1, 1)

#if QT_CONFIG(shortcut)
        self.lock_password_label.setBuddy(self.lock_password_edit)
        self.lock_totp_label.setBuddy(self.lock_totp_edit)
#endif // QT_CONFIG(shortcut)
        QWidget.setTabOrder(self.lock_password_edit, self.lock_totp_edit)
        QWidget.setTabOrder(self.lock_totp_edit, self.unlock_button)
        QWidget.setTabOrder(self.unlock_button, self.lock_exit_button)

        self.retranslateUi(lock_screen)

        self.unlock_button.setDefault(True)


        QMetaObject.connectSlotsByName(lock_screen)
    # setupUi

    def retranslateUi(self, lock_screen):
        lock_screen.setWindowTitle(QCoreApplication.translate("LockScreen", u"Console locked", None))
        self.lock_title_label.setText(QCoreApplication.translate("LockScreen", u"Console locked", None))
        self.lock_password_label.setText(QCoreApplication.translate("LockScreen", u"Password", None))
        self.lock_totp_label.setText(QCoreApplication.translate("LockScreen", u"One-time code", None))
        self.lock_exit_button.setText(QCoreApplication.translate("LockScreen", u"Sign out", None))
        self.unlock_button.setText(QCoreApplication.translate("LockScreen", u"Unlock", None))
    # retranslateUi

