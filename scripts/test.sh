#!/usr/bin/env bash
# The README's second command (and what .ci/run calls): install what the tests need, then run
# the whole test suite. Works with no display and no sound card: GUI tests run under Xvfb
# with Mesa's software renderers.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

TEST_PACKAGES=(xvfb xauth imagemagick abcmidi python3-venv desktop-file-utils shared-mime-info)
apt_install "${BUILD_PACKAGES[@]}" "${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
ensure_rust

# Independent tools the tests compare against (Python's mido for MIDI, music21 for MusicXML)
# live in a private venv.
PYENV_DIR="$HOME/.cache/gan-studio/python"
if [ ! -x "$PYENV_DIR/bin/python" ] || ! "$PYENV_DIR/bin/python" -c "import mido, music21" 2>/dev/null; then
  python3 -m venv "$PYENV_DIR"
  "$PYENV_DIR/bin/pip" install -q mido==1.3.3 music21==10.5.1
fi
export GAN_STUDIO_PYTHON="$PYENV_DIR/bin/python"
export GAN_STUDIO_REQUIRE_MIDO=1
export GAN_STUDIO_REQUIRE_MUSIC21=1
export GAN_STUDIO_REQUIRE_ABC2MIDI=1
export GAN_STUDIO_REQUIRE_DESKTOP_FILE_VALIDATE=1
# The folk set is fetched below, before the tests run: a test that needs it must find it.
export GAN_STUDIO_REQUIRE_FOLK=1
# The tests always run with a display (the real one, or Xvfb below): a window test must open.
export GAN_STUDIO_REQUIRE_DISPLAY=1

# wgpu/lavapipe complain without a runtime dir; pick Vulkan (lavapipe) for GUI tests.
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -d "${XDG_RUNTIME_DIR}" ]; then
  XDG_RUNTIME_DIR="$(mktemp -d /tmp/xdg-runtime.XXXXXX)"
  export XDG_RUNTIME_DIR
  chmod 700 "$XDG_RUNTIME_DIR"
fi
export WGPU_BACKEND="${WGPU_BACKEND:-vulkan}"

# Use the real display when there is one, otherwise a virtual one.
runner=()
if [ -z "${DISPLAY:-}" ]; then
  runner=(xvfb-run -a -s "-screen 0 1280x800x24")
fi
# Build the tests first, then fetch the folk set (never committed; the tests read every Erk
# tune) with the binary that build made. (`cargo run` would build burn and the GUI stack a
# second time: without the dev-dependencies, cargo unifies their features differently.)
cargo test --locked --no-run --lib --bins --tests
"$CARGO_TARGET_DIR/debug/gan-studio" dataset fetch
"${runner[@]}" cargo test --locked --lib --bins --tests "$@"
"${runner[@]}" cargo test --locked --doc
