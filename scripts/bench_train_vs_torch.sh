#!/usr/bin/env bash
# Training and generation speed of GAN Studio (burn, flex CPU backend) side by side with the
# PyTorch reference of the same model, on the same machine and thread count, in one go.
#
#   scripts/bench_train_vs_torch.sh            # 1 thread, 7 runs, stock and fused LSTM
#   THREADS=2 RUNS=9 scripts/bench_train_vs_torch.sh
#
# Environment:
#   THREADS       threads of both (RAYON_NUM_THREADS for burn's CPU backend and the fused
#                 LSTM, --threads/OMP for torch); 1
#   RUNS          timed runs per figure (medians are printed); 7
#   KERNELS       which LSTMs of GAN Studio to run: "stock fused" (default), or one of them
#   TORCH_VENV    the Python venv with CPU torch; ~/.cache/gan-studio/torch-venv (created if
#                 missing: the CPU wheel index first, plain PyPI as the fallback)
#   TORCH_SCRIPT  the PyTorch reference; ../shared/bench/torch_reference.py
#   CARGO_TARGET_DIR  release build folder; ~/.cache/gan-studio/target-release
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
THREADS="${THREADS:-1}"
RUNS="${RUNS:-7}"
KERNELS="${KERNELS:-stock fused}"
TORCH_VENV="${TORCH_VENV:-$HOME/.cache/gan-studio/torch-venv}"
TORCH_SCRIPT="${TORCH_SCRIPT:-$here/../shared/bench/torch_reference.py}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gan-studio/target-release}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# --- PyTorch (CPU) in a venv -------------------------------------------------------------
if ! "$TORCH_VENV/bin/python" -c 'import torch' 2>/dev/null; then
    echo "setting up $TORCH_VENV with CPU torch ..." >&2
    python3 -m venv "$TORCH_VENV"
    "$TORCH_VENV/bin/pip" install --quiet torch --index-url https://download.pytorch.org/whl/cpu \
        || "$TORCH_VENV/bin/pip" install --quiet torch
fi
if [ ! -f "$TORCH_SCRIPT" ]; then
    echo "error: the PyTorch reference $TORCH_SCRIPT is missing (set TORCH_SCRIPT)" >&2
    exit 1
fi

# --- GAN Studio, release -----------------------------------------------------------------
cd "$here"
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/gan-studio"

run_burn() { # $1 = stock|fused
    RAYON_NUM_THREADS="$THREADS" "$bin" bench train --lstm "$1" --runs "$RUNS"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "threads: $THREADS, runs: $RUNS"
echo "load before: $(cat /proc/loadavg)"
OMP_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS" \
    "$TORCH_VENV/bin/python" "$TORCH_SCRIPT" --threads "$THREADS" --runs "$RUNS" \
    | tee "$out/torch.txt"
for kernel in $KERNELS; do
    echo "--- gan-studio, $kernel LSTM"
    run_burn "$kernel" | tee "$out/burn-$kernel.txt"
done
echo "load after: $(cat /proc/loadavg)"

# --- Side by side ------------------------------------------------------------------------
python3 - "$out" $KERNELS <<'EOF'
import sys, pathlib
out, kernels = pathlib.Path(sys.argv[1]), sys.argv[2:]
def read(path):
    figures = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 3:
            try:
                figures[parts[0]] = float(parts[1])
            except ValueError:
                pass
    return figures
torch = read(out / "torch.txt")
burn = {k: read(out / f"burn-{k}.txt") for k in kernels}
names = ["mle_step_ms", "gan_step_ms", "generate_b1_t256_ms", "generate_b8_t256_ms", "peak_rss_mb"]
head = f"{'figure':<22}{'pytorch':>10}" + "".join(f"{'burn ' + k:>13}{'x torch':>9}" for k in kernels)
print()
print(head)
print("-" * len(head))
for name in names:
    t = torch.get(name)
    row = f"{name:<22}{t if t is not None else float('nan'):>10.1f}"
    for k in kernels:
        b = burn[k].get(name)
        ratio = b / t if (b is not None and t) else float("nan")
        row += f"{b if b is not None else float('nan'):>13.1f}{ratio:>8.2f}x"
    print(row)
print("(x torch: burn's time divided by PyTorch's; below 1.00x burn is faster)")
EOF
