#!/usr/bin/env bash
# Removes what scripts/install.sh installed for the current user (the program in ~/.local/bin,
# the menu entry, the icons, the file types), and nothing else. Your projects, settings, data
# sets and the build cache stay; remove ~/.local/share/gan-studio and ~/.cache/gan-studio by
# hand if you want them gone too.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/desktop_paths.sh"

removed=0
while IFS= read -r file; do
  if [ -e "$file" ] || [ -L "$file" ]; then
    rm -f -- "$file"
    removed=$((removed + 1))
  fi
done < <(gs_installed_files)
gs_refresh_caches
echo "Removed $removed GAN Studio file(s)."
