#!/usr/bin/env bash
# Renders assets/icons/gan-studio.svg to the PNG sizes desktops look for
# (assets/icons/gan-studio-SIZE.png). The PNGs are committed; run this after changing the SVG.
# Needs rsvg-convert (Debian: librsvg2-bin).
set -euo pipefail
cd "$(dirname "$0")/../assets/icons"
. ../../scripts/desktop_paths.sh
for size in "${GS_ICON_SIZES[@]}"; do
  rsvg-convert --width "$size" --height "$size" gan-studio.svg --output "gan-studio-$size.png"
done
