#!/usr/bin/env bash
# Installs GAN Studio for the current user, no root needed: the program in ~/.local/bin, a
# menu entry, the icon, and the file types (.gsproj, MIDI, ABC) so that a file manager offers
# "Open with GAN Studio". scripts/uninstall.sh removes exactly these files.
# Usage: bash scripts/install.sh [PROGRAM]   (default: $GAN_STUDIO_BIN, else the release build)
# scripts/studio.sh runs it after building. See scripts/desktop_paths.sh for the folders.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
assets="$here/../assets"
. "$here/desktop_paths.sh"

program="${1:-${GAN_STUDIO_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/gan-studio/target}/release/gan-studio}}"
if [ ! -f "$program" ]; then
  echo "error: no program at $program (build it first: cargo build --release)" >&2
  exit 1
fi

install -d "$GS_BIN_DIR" "$(dirname "$GS_DESKTOP_FILE")" "$(dirname "$GS_MIME_FILE")" \
  "$(dirname "$GS_SVG_ICON")"
# A copy, not a link: the menu entry keeps working when the build folder is cleaned.
# Copied beside the target and renamed over it, so a running studio is not disturbed.
# The build keeps line tables for developers' backtraces (file and line, from the binary in
# the build folder); the installed copy leaves the debug sections behind (about 660 MB ->
# 125 MB) and keeps the symbol table, so a backtrace still names every function.
if command -v objcopy >/dev/null 2>&1 && [ "$(head -c 4 "$program" | tr -d '\000')" = $'\177ELF' ]; then
  objcopy --strip-debug "$program" "$GS_PROGRAM.new"
  chmod 755 "$GS_PROGRAM.new"
else
  install -m 755 "$program" "$GS_PROGRAM.new"
fi
mv -f "$GS_PROGRAM.new" "$GS_PROGRAM"

# The menu entry runs the program by its full path (~/.local/bin is not on every desktop
# session's PATH); a path holding characters that Exec would need escaped keeps the bare name.
case "$GS_PROGRAM" in
  *[\"\`\$\\]*) exec_line='gan-studio' ;;
  *) exec_line="\"$GS_PROGRAM\"" ;;
esac
sed -e "s|^Exec=gan-studio|Exec=$exec_line|" -e "s|^TryExec=gan-studio|TryExec=$GS_PROGRAM|" \
  "$assets/desktop/gan-studio.desktop" >"$GS_DESKTOP_FILE.new"
mv -f "$GS_DESKTOP_FILE.new" "$GS_DESKTOP_FILE"
install -m 644 "$assets/desktop/gan-studio-mime.xml" "$GS_MIME_FILE"
install -m 644 "$assets/icons/gan-studio.svg" "$GS_SVG_ICON"
for size in "${GS_ICON_SIZES[@]}"; do
  target="$(gs_png_icon "$size")"
  install -d "$(dirname "$target")"
  install -m 644 "$assets/icons/gan-studio-$size.png" "$target"
done
gs_refresh_caches
echo "Installed GAN Studio for $(id -un): $GS_PROGRAM and a menu entry ($GS_DESKTOP_FILE)."
echo "Remove it with: bash scripts/uninstall.sh"
