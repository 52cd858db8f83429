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
# Clean data folders (no autosave to recover, no saved settings), with the folk set linked
# in when it has been fetched (else the studio uses its built-in demo melodies).
real_data="${GAN_STUDIO_DATA:-${XDG_DATA_HOME:-$HOME/.local/share}/gan-studio}"
shots_data="$(mktemp -d /tmp/gan-studio-shots.XXXXXX)"
trap 'rm -rf "$shots_data"' EXIT
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
  # Each shot in its own data folder: one scene's autosave must not greet the next with the
  # recovery dialog.
  export GAN_STUDIO_DATA="$shots_data/$name"
  mkdir -p "$GAN_STUDIO_DATA"
  if [ -n "$real_data" ] && [ -d "$real_data/folk" ]; then
    ln -s "$real_data/folk" "$GAN_STUDIO_DATA/folk"
  fi
  xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    out=$1; wait=$2; shift 2
    "$@" & pid=$!
    sleep "$wait"
    import -window root "$out"
    wait "$pid"' _ "screenshots/$name.png" "$wait" "$bin" --exit-after $((wait + 2)) "$@"
  echo "wrote screenshots/$name.png"
}

shoot studio 8 --scene studio
shoot generate 8 --scene generate
shoot training 45 --scene training
shoot evaluate 25 --scene evaluate
# File > Save as… with no desktop portal: the in-window file browser.
shoot save-dialog 8 --scene save-as
