#!/usr/bin/env bash
# Shared by scripts/studio.sh and scripts/test.sh: install what is missing on Debian/Ubuntu
# (system packages, a recent Rust toolchain) and pick the build-cache folder.
# Sourced, not run.

# Run a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# apt_install PKG...: install the Debian packages that are not installed yet (quietly).
apt_install() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "warning: not a Debian/Ubuntu system; please install the equivalent of: ${missing[*]}" >&2
    return 0
  fi
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "${GAN_STUDIO_APT_UPDATED:-}" ]; then
    as_root apt-get update -qq
    GAN_STUDIO_APT_UPDATED=1
  fi
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# What building and running the studio needs on Debian/Ubuntu. winit, wgpu, glow and
# fontconfig load their libraries at run time, so only ALSA's headers are needed to build.
BUILD_PACKAGES=(build-essential pkg-config libasound2-dev curl ca-certificates
  python3 python3-pip)
RUN_PACKAGES=(libx11-6 libx11-xcb1 libxcursor1 libxi6 libxrandr2 libxkbcommon0
  libxkbcommon-x11-0 libwayland-client0 libwayland-cursor0 libwayland-egl1
  libgl1 libegl1 libgl1-mesa-dri libvulkan1 mesa-vulkan-drivers
  libasound2 fontconfig)

# ensure_rust: make sure cargo >= 1.95 is on PATH, installing rustup when it is not.
ensure_rust() {
  [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
  local need_minor=95
  if command -v cargo >/dev/null 2>&1; then
    local minor
    minor=$(cargo --version | sed -E 's/^cargo 1\.([0-9]+).*/\1/')
    if [ "${minor:-0}" -ge "$need_minor" ] 2>/dev/null; then return 0; fi
    if command -v rustup >/dev/null 2>&1; then
      rustup update stable && return 0
    fi
  fi
  echo "Installing the Rust toolchain (rustup, stable)..."
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  . "$HOME/.cargo/env"
}

# Build output lives outside the clone so that it survives a fresh clone (CI keeps it).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gan-studio/target}"
mkdir -p "$CARGO_TARGET_DIR"
