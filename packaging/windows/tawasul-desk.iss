; Inno Setup script for Tawasul Desk on Windows: installs the PyInstaller bundle.
;
; This installer has never been built or run by this project's CI (which runs on Linux, and
; Windows executables cannot be built there). Build on Windows, with Python and Inno Setup 6:
;     pip install ".[gui,build]"
;     pyinstaller --noconfirm build.spec
;     "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" packaging\windows\tawasul-desk.iss
; The result is dist\tawasul-desk-setup-VERSION.exe. The version is read from the version
; resource build.spec puts into tawasul-desktop.exe, so the two never disagree.

#define AppName "Tawasul Desk"
#define Bundle "..\..\dist\tawasul-desktop"
#define AppVersion GetVersionNumbersString(Bundle + "\tawasul-desktop.exe")

[Setup]
; A fixed AppId: upgrades replace the installed version instead of adding a second one.
AppId={{6F0D5C3E-3B61-4E2B-9A4C-7A2E4E1B7D21}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=General Directorate of Passports
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\Tawasul Desk
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Per machine: every account on a counter PC uses the one installation (and the machine's
; configuration in %PROGRAMDATA%\tawasul-desk\config.toml, README "Configuration").
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
SetupIconFile=..\..\resources\icons\tawasul.ico
UninstallDisplayIcon={app}\tawasul-desktop.exe
OutputDir=..\..\dist
OutputBaseFilename=tawasul-desk-setup-{#AppVersion}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
; The installer speaks Arabic and English; Arabic pages are right to left.
ShowLanguageDialog=auto
; A running Tawasul Desk is asked to close before its files are replaced.
CloseApplications=yes
ChangesEnvironment=yes

[Languages]
Name: "arabic"; MessagesFile: "compiler:Languages\Arabic.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "..\..\resources\config.sample.toml"; DestDir: "{commonappdata}\tawasul-desk"; Flags: ignoreversion

[Dirs]
; The machine's configuration folder, for IT's config.toml beside the sample.
Name: "{commonappdata}\tawasul-desk"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\tawasul-desktop.exe"; AppUserModelID: "tawasul-desk"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\tawasul-desktop.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Registry]
; The tawasul command on every account's PATH.
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; \
    ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; \
    Check: NeedsAddPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\tawasul-desktop.exe"; Parameters: "--self-check"; Flags: runhidden waituntilterminated; StatusMsg: "Checking the installation…"
Filename: "{app}\tawasul-desktop.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
function NeedsAddPath(Folder: string): Boolean;
var
  Paths: string;
begin
  if not RegQueryStringValue(HKEY_LOCAL_MACHINE,
    'SYSTEM\CurrentControlSet\Control\Session Manager\Environment', 'Path', Paths) then
  begin
    Result := True;
    exit;
  end;
  Result := Pos(';' + Uppercase(Folder) + ';', ';' + Uppercase(Paths) + ';') = 0;
end;
