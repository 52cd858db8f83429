#!/usr/bin/env bash
# The README's first command: install what is missing, build in release mode, launch the studio.
# Extra arguments go to gan-studio (e.g. `bash scripts/studio.sh info song.mid`).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

apt_install "${BUILD_PACKAGES[@]}" "${RUN_PACKAGES[@]}"
ensure_rust

cargo build --release --locked
exec "$CARGO_TARGET_DIR/release/gan-studio" "$@"
