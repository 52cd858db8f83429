#!/usr/bin/env bash
# Regenerates screenshots/*.png from the real release binary under a virtual X display.
# Usage: bash scripts/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

apt_install "${BUILD_PACKAGES[@]}" "${RUN_PACKAGES[@]}" xvfb xauth imagemagick
ensure_rust
cargo build --release --locked
bin="$CARGO_TARGET_DIR/release/gan-studio"
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -d "${XDG_RUNTIME_DIR}" ]; then
  XDG_RUNTIME_DIR="$(mktemp -d /tmp/xdg-runtime.XXXXXX)"
  export XDG_RUNTIME_DIR
  chmod 700 "$XDG_RUNTIME_DIR"
fi
mkdir -p screenshots

# shoot NAME SECONDS ARGS...: start the studio with ARGS, grab the screen after SECONDS.
shoot() {
  local name=$1 wait=$2
  shift 2
  xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    out=$1; wait=$2; shift 2
    "$@" & pid=$!
    sleep "$wait"
    import -window root "$out"
    wait "$pid"' _ "screenshots/$name.png" "$wait" "$bin" --exit-after $((wait + 2)) "$@"
  echo "wrote screenshots/$name.png"
}

shoot studio 6 assets/demo/demo_melodies.abc
