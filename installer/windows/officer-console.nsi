; Officer Console — per-machine Windows installer (NSIS 3, Unicode).
;
; Payload: the PyInstaller one-folder bundle built ON WINDOWS from installer/officer-console.spec
; (officer-console.exe, officer-admin.exe, officer-gateway.exe, _internal\). Release procedure:
; docs/operations.md, "Windows installer". CI compiles this script with a stub payload
; (installer/windows/build-stub.sh) so it never rots.
;
;   makensis -DVERSION=0.1.0 -DPAYLOAD_DIR=..\..\build\bundle\officer-console ^
;            -DOUTFILE=..\..\dist\officer-console-0.1.0-setup.exe officer-console.nsi
;
; Silent install for software distribution (all parameters optional):
;   officer-console-0.1.0-setup.exe /S /DB_URL=postgresql+psycopg://console@db/oc?sslmode=verify-full
;       /GATEWAY_URL=https://jiaojing.example.gov.cn [/D=C:\Program Files\Officer Console]
; They are written to C:\ProgramData\Officer Console\config.toml on the first install only: an
; upgrade keeps the existing configuration (edit the file to change it). Secrets never go there.

Unicode true
!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "LogicLib.nsh"
!include "WinMessages.nsh"
!include "x64.nsh"

!ifndef VERSION
  !define VERSION "0.0.0"
!endif
!ifndef PAYLOAD_DIR
  !define PAYLOAD_DIR "..\..\build\bundle\officer-console"
!endif
!ifndef OUTFILE
  !define OUTFILE "officer-console-${VERSION}-setup.exe"
!endif

!define APP "Officer Console"
!define APP_ZH "远程执法办案民警端"
!define PUBLISHER "Officer Console Project"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\OfficerConsole"
!define ENV_KEY "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"

Name "${APP_ZH} (${APP}) ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APP}"
InstallDirRegKey HKLM "${UNINST_KEY}" "InstallLocation"
RequestExecutionLevel admin
SetCompressor /SOLID lzma
ManifestDPIAware true
VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=0 "ProductName" "${APP}"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileDescription" "${APP} installer"
VIAddVersionKey /LANG=0 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=0 "LegalCopyright" "GPL-3.0-or-later"

!define MUI_ICON "..\icons\officer-console.ico"
!define MUI_UNICON "..\icons\officer-console.ico"
!define MUI_ABORTWARNING
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "SimpChinese"
!insertmacro MUI_LANGUAGE "English"

Var DbUrl
Var GatewayUrl
Var ConfigDir

Function .onInit
  SetShellVarContext all
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "需要 64 位 Windows。 (64-bit Windows is required.)" /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/DB_URL=" $DbUrl
  ClearErrors
  ${GetOptions} $R0 "/GATEWAY_URL=" $GatewayUrl
  ClearErrors
FunctionEnd

Function un.onInit
  SetShellVarContext all
  SetRegView 64
FunctionEnd

Section "Officer Console" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  ; An upgrade replaces the program files; configuration and data are elsewhere and kept.
  RMDir /r "$INSTDIR\_internal"
  File /r "${PAYLOAD_DIR}\*.*"
  File "/oname=$INSTDIR\officer-console.ico" "..\icons\officer-console.ico"

  ; Site configuration, first install only (never overwritten: IT's edits survive upgrades).
  SetShellVarContext all  ; $APPDATA is then C:\ProgramData
  StrCpy $ConfigDir "$APPDATA\${APP}"
  CreateDirectory "$ConfigDir"
  ${IfNot} ${FileExists} "$ConfigDir\config.toml"
    FileOpen $0 "$ConfigDir\config.toml" w
    FileWrite $0 "# Officer Console site configuration (written by the installer).$\r$\n"
    FileWrite $0 "# Secrets never go here: environment variables or Windows Credential Manager.$\r$\n"
    FileWrite $0 "[officer_console]$\r$\n"
    ${If} $DbUrl != ""
      FileWrite $0 'database_url = "$DbUrl"$\r$\n'
    ${EndIf}
    ${If} $GatewayUrl != ""
      FileWrite $0 'gateway_url = "$GatewayUrl"$\r$\n'
    ${EndIf}
    FileClose $0
  ${ElseIf} "$DbUrl$GatewayUrl" != ""
    DetailPrint "Kept the existing $ConfigDir\config.toml; /DB_URL and /GATEWAY_URL not applied."
  ${EndIf}
  ; The commands find it through the machine environment.
  WriteRegExpandStr HKLM "${ENV_KEY}" "OFFICER_CONSOLE_CONFIG" "$ConfigDir\config.toml"
  SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=2000

  CreateDirectory "$SMPROGRAMS\${APP_ZH}"
  CreateShortcut "$SMPROGRAMS\${APP_ZH}\${APP_ZH}.lnk" "$INSTDIR\officer-console.exe" "" \
    "$INSTDIR\officer-console.ico"
  CreateShortcut "$SMPROGRAMS\${APP_ZH}\卸载 Uninstall.lnk" "$INSTDIR\uninstall.exe"
  CreateShortcut "$DESKTOP\${APP_ZH}.lnk" "$INSTDIR\officer-console.exe" "" \
    "$INSTDIR\officer-console.ico"

  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "${APP_ZH} (${APP})"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\officer-console.ico"
  WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKLM "${UNINST_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "Uninstall"
  ; Program files only. Configuration in ProgramData and every user's data and evidence
  ; (%USERPROFILE%\.local\share\officer-console) are never deleted by the uninstaller.
  Delete "$DESKTOP\${APP_ZH}.lnk"
  RMDir /r "$SMPROGRAMS\${APP_ZH}"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\officer-console.exe"
  Delete "$INSTDIR\officer-admin.exe"
  Delete "$INSTDIR\officer-gateway.exe"
  Delete "$INSTDIR\officer-console.ico"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegValue HKLM "${ENV_KEY}" "OFFICER_CONSOLE_CONFIG"
  SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=2000
  DeleteRegKey HKLM "${UNINST_KEY}"
SectionEnd
