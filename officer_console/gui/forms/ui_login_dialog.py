# Generated from ui/login_dialog.ui by pyside6-uic — do not edit
# mypy: ignore-errors
# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'login_dialog.ui'
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
from PySide6.QtWidgets import (QApplication, QDialog, QFormLayout, QHBoxLayout,
    QLabel, QLineEdit, QPushButton, QSizePolicy,
    QSpacerItem, QVBoxLayout, QWidget)

class Ui_LoginDialog(object):
    def setupUi(self, login_dialog):
        if not login_dialog.objectName():
            login_dialog.setObjectName(u"login_dialog")
        login_dialog.resize(460, 380)
        login_dialog.setMinimumSize(QSize(420, 0))
        self.main_layout = QVBoxLayout(login_dialog)
        self.main_layout.setSpacing(10)
        self.main_layout.setObjectName(u"main_layout")
        self.main_layout.setContentsMargins(28, 24, 28, 20)
        self.title_label = QLabel(login_dialog)
        self.title_label.setObjectName(u"title_label")
        self.title_label.setStyleSheet(u"font-size: 20pt; font-weight: bold;")
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.main_layout.addWidget(self.title_label)

        self.subtitle_label = QLabel(login_dialog)
        self.subtitle_label.setObjectName(u"subtitle_label")
        self.subtitle_label.setStyleSheet(u"color: #555;")
        self.subtitle_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.subtitle_label.setWordWrap(True)

        self.main_layout.addWidget(self.subtitle_label)

        self.top_spacer = QSpacerItem(20, 8, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)

        self.main_layout.addItem(self.top_spacer)

        self.form_layout = QFormLayout()
        self.form_layout.setObjectName(u"form_layout")
        self.form_layout.setHorizontalSpacing(12)
        self.form_layout.setVerticalSpacing(10)
        self.police_number_label = QLabel(login_dialog)
        self.police_number_label.setObjectName(u"police_number_label")

        self.form_layout.setWidget(0, QFormLayout.ItemRole.LabelRole, self.police_number_label)

        self.police_number_edit = QLineEdit(login_dialog)
        self.police_number_edit.setObjectName(u"police_number_edit")
        self.police_number_edit.setMaxLength(16)

        self.form_layout.setWidget(0, QFormLayout.ItemRole.FieldRole, self.police_number_edit)

        self.password_label = QLabel(login_dialog)
        self.password_label.setObjectName(u"password_label")

        self.form_layout.setWidget(1, QFormLayout.ItemRole.LabelRole, self.password_label)

        self.password_edit = QLineEdit(login_dialog)
        self.password_edit.setObjectName(u"password_edit")
        self.password_edit.setMaxLength(128)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)

        self.form_layout.setWidget(1, QFormLayout.ItemRole.FieldRole, self.password_edit)

        self.totp_label = QLabel(login_dialog)
        self.totp_label.setObjectName(u"totp_label")

        self.form_layout.setWidget(2, QFormLayout.ItemRole.LabelRole, self.totp_label)

        self.totp_edit = QLineEdit(login_dialog)
        self.totp_edit.setObjectName(u"totp_edit")
        self.totp_edit.setMaxLength(6)

        self.form_layout.setWidget(2, QFormLayout.ItemRole.FieldRole, self.totp_edit)


        self.main_layout.addLayout(self.form_layout)

        self.login_error_label = QLabel(login_dialog)
        self.login_error_label.setObjectName(u"login_error_label")
        self.login_error_label.setStyleSheet(u"color: #b00020;")
        self.login_error_label.setText(u"")
        self.login_error_label.setWordWrap(True)

        self.main_layout.addWidget(self.login_error_label)

        self.hint_label = QLabel(login_dialog)
        self.hint_label.setObjectName(u"hint_label")
        self.hint_label.setStyleSheet(u"color: #555;")
        self.hint_label.setText(u"")
        self.hint_label.setWordWrap(True)
        self.hint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.main_layout.addWidget(self.hint_label)

        self.bottom_spacer = QSpacerItem(20, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.main_layout.addItem(self.bottom_spacer)

        self.button_layout = QHBoxLayout()
        self.button_layout.setObjectName(u"button_layout")
        self.button_spacer = QSpacerItem(40, 20, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.button_layout.addItem(self.button_spacer)

        self.quit_button = QPushButton(login_dialog)
        self.quit_button.setObjectName(u"quit_button")
        self.quit_button.setAutoDefault(False)

        self.button_layout.addWidget(self.quit_button)

        self.login_button = QPushButton(login_dialog)
        self.login_button.setObjectName(u"login_button")
        self.login_button.setMinimumSize(QSize(110, 0))

        self.button_layout.addWidget(self.login_button)


        self.main_layout.addLayout(self.button_layout)

#if QT_CONFIG(shortcut)
        self.police_number_label.setBuddy(self.police_number_edit)
        self.password_label.setBuddy(self.password_edit)
        self.totp_label.setBuddy(self.totp_edit)
#endif // QT_CONFIG(shortcut)
        QWidget.setTabOrder(self.police_number_edit, self.password_edit)
        QWidget.setTabOrder(self.password_edit, self.totp_edit)
        QWidget.setTabOrder(self.totp_edit, self.login_button)
        QWidget.setTabOrder(self.login_button, self.quit_button)

        self.retranslateUi(login_dialog)

        self.login_button.setDefault(True)


        QMetaObject.connectSlotsByName(login_dialog)
    # setupUi

    def retranslateUi(self, login_dialog):
        login_dialog.setWindowTitle(QCoreApplication.translate("LoginDialog", u"Officer Console \u2014 Sign in", None))
        self.title_label.setText(QCoreApplication.translate("LoginDialog", u"Officer Console", None))
        self.subtitle_label.setText(QCoreApplication.translate("LoginDialog", u"Remote traffic violation processing \u2014 officer workstation", None))
        self.police_number_label.setText(QCoreApplication.translate("LoginDialog", u"Police number", None))
        self.police_number_edit.setPlaceholderText(QCoreApplication.translate("LoginDialog", u"e.g. 370102001", None))
        self.password_label.setText(QCoreApplication.translate("LoginDialog", u"Password", None))
        self.totp_label.setText(QCoreApplication.translate("LoginDialog", u"One-time code", None))
        self.totp_edit.setPlaceholderText(QCoreApplication.translate("LoginDialog", u"6 digits, only if your account uses one", None))
        self.quit_button.setText(QCoreApplication.translate("LoginDialog", u"Quit", None))
        self.login_button.setText(QCoreApplication.translate("LoginDialog", u"Sign in", None))
    # retranslateUi

