# Where scripts/install.sh puts GAN Studio for the current user and scripts/uninstall.sh
# removes it from: the freedesktop (XDG) user folders. Sourced, not run.
# GAN_STUDIO_BIN_DIR moves the program (default ~/.local/bin); XDG_DATA_HOME moves the rest
# (default ~/.local/share).

GS_ICON_SIZES=(16 32 48 64 128 256)
GS_BIN_DIR="${GAN_STUDIO_BIN_DIR:-$HOME/.local/bin}"
GS_DATA_HOME="${XDG_DATA_HOME:-$HOME/.local/share}"
GS_PROGRAM="$GS_BIN_DIR/gan-studio"
GS_DESKTOP_FILE="$GS_DATA_HOME/applications/gan-studio.desktop"
GS_MIME_FILE="$GS_DATA_HOME/mime/packages/gan-studio.xml"
GS_ICON_DIR="$GS_DATA_HOME/icons/hicolor"
GS_SVG_ICON="$GS_ICON_DIR/scalable/apps/gan-studio.svg"

# gs_png_icon SIZE: where the PNG icon of that size goes.
gs_png_icon() {
  echo "$GS_ICON_DIR/${1}x${1}/apps/gan-studio.png"
}

# gs_installed_files: every file the install writes, one per line.
gs_installed_files() {
  echo "$GS_PROGRAM"
  echo "$GS_DESKTOP_FILE"
  echo "$GS_MIME_FILE"
  echo "$GS_SVG_ICON"
  local size
  for size in "${GS_ICON_SIZES[@]}"; do gs_png_icon "$size"; done
}

# gs_refresh_caches: let the desktop see the change (each tool only if it is installed; a
# failure is reported and ignored, since the files themselves are in place).
gs_refresh_caches() {
  if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$GS_DATA_HOME/applications" 2>/dev/null ||
      echo "warning: update-desktop-database failed" >&2
  fi
  if command -v update-mime-database >/dev/null 2>&1; then
    update-mime-database "$GS_DATA_HOME/mime" >/dev/null 2>&1 ||
      echo "warning: update-mime-database failed" >&2
  fi
  if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -d "$GS_ICON_DIR" ]; then
    gtk-update-icon-cache -q -f -t "$GS_ICON_DIR" 2>/dev/null ||
      echo "warning: gtk-update-icon-cache failed" >&2
  fi
  return 0
}
