#!/usr/bin/env bash
# The README's first command: install what is missing, build in release mode, install the
# menu entry for the current user (scripts/install.sh), launch the studio.
# Extra arguments go to gan-studio (e.g. `bash scripts/studio.sh info song.mid`).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

apt_install "${BUILD_PACKAGES[@]}" "${RUN_PACKAGES[@]}"
ensure_rust

cargo build --release --locked
bin="$CARGO_TARGET_DIR/release/gan-studio"
# Put GAN Studio in the application menu and let file managers open .gsproj, MIDI and ABC
# files with it (current user only; bash scripts/uninstall.sh removes it). A failure here
# never stops the launch.
bash scripts/install.sh "$bin" || echo "warning: the menu entry could not be installed" >&2
# The default training set (Essen folk songs, non-commercial licence) is fetched, never
# shipped. Offline, the studio still runs with its built-in demo melodies.
"$bin" dataset fetch || echo "warning: the folk set could not be fetched now; the studio offers its demo melodies and a Fetch button" >&2
exec "$bin" "$@"
