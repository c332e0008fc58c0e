; The NSIS installer also installs the `rekey` CLI beside rekey-app.exe ($INSTDIR\rekey.exe): protected MCP
; server entries start it by that absolute path. scripts/package.sh builds it first (target\release\rekey.exe,
; next to the app binary the installer packs). Not built or tested on Windows yet: see docs/packaging.md.
!macro NSIS_HOOK_POSTINSTALL
  !searchreplace REKEY_CLI_SRC "${MAINBINARYSRCPATH}" "rekey-app.exe" "rekey.exe"
  SetOutPath "$INSTDIR"
  File "/oname=rekey.exe" "${REKEY_CLI_SRC}"
!macroend

!macro NSIS_HOOK_POSTUNINSTALL
  Delete "$INSTDIR\rekey.exe"
!macroend
