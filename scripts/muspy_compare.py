#!/usr/bin/env python3
"""Check gan-studio's per-piece metrics against MusPy's on the same MIDI files.

Usage:
    python3 -m venv /tmp/muspy-venv && /tmp/muspy-venv/bin/pip install muspy
    /tmp/muspy-venv/bin/python scripts/muspy_compare.py MIDI_DIR [--gan-studio BIN]

The script runs `gan-studio eval --per-piece` on MIDI_DIR (as both sets), reads each file
with `muspy.read_midi`, computes the MusPy metrics that gan-studio also has, and prints, per
metric, how many files agree (absolute difference <= --tolerance; NaN in MusPy equals null in
gan-studio) and the largest difference. It exits with status 1 if a metric that is meant to
match does not.

Pairs compared (gan-studio field <- MusPy 0.5 call):
    used_pitches          <- n_pitches_used
    unique_tones          <- n_pitch_classes_used
    pitch_range           <- pitch_range
    polyphony             <- polyphony
    polyphony_rate        <- polyphony_rate(threshold=1)  (strict ">": two or more pitches)
    scale_consistency     <- scale_consistency
    pitch_in_scale_rate   <- pitch_in_scale_rate(root, mode) in the key gan-studio used
    pitch_entropy         <- pitch_entropy
    pitch_class_entropy   <- pitch_class_entropy
    empty_beat_rate       <- a replica of MusPy's empty_beat_rate with half-open note spans
                             (gan-studio's definition); MusPy's own value is printed beside it
                             and is expected to differ (its code counts end // resolution + 1
                             beats and marks the beat after a note that ends on a beat line).

Known causes of other differences: files with drum tracks (MusPy's piano-roll length and
empty-beat marks include drum notes; gan-studio reads non-drum notes only).
MusPy is not a dependency of the project or of CI; this script is a manual check.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

try:
    import muspy
except ImportError:  # pragma: no cover - told to the user
    sys.exit("muspy is not installed: python3 -m venv /tmp/muspy-venv && "
             "/tmp/muspy-venv/bin/pip install muspy")


def empty_beat_rate_half_open(music):
    """MusPy's empty-beat rate with half-open note spans and ceil(end / resolution) beats,
    non-drum notes only: the definition gan-studio uses."""
    res = music.resolution
    notes = [n for t in music.tracks if not t.is_drum for n in t.notes]
    end = max((n.end for n in notes), default=0)
    if end < 1:
        return math.nan
    beats = -(-end // res)
    sounding = [False] * beats
    for n in notes:
        for b in range(n.time // res, (n.end - 1) // res + 1):
            sounding[b] = True
    return sounding.count(False) / beats


def muspy_values(music, scale_key):
    mode = "major" if scale_key["mode"] == "Major" else "minor"
    return {
        "used_pitches": muspy.n_pitches_used(music),
        "unique_tones": muspy.n_pitch_classes_used(music),
        "pitch_range": muspy.pitch_range(music),
        "polyphony": muspy.polyphony(music),
        "polyphony_rate": muspy.polyphony_rate(music, threshold=1),
        "scale_consistency": muspy.scale_consistency(music),
        "pitch_in_scale_rate": muspy.pitch_in_scale_rate(music, scale_key["tonic"], mode),
        "pitch_entropy": muspy.pitch_entropy(music),
        "pitch_class_entropy": muspy.pitch_class_entropy(music),
        "empty_beat_rate": empty_beat_rate_half_open(music),
    }


def same(ours, theirs, tolerance):
    theirs_nan = theirs is None or (isinstance(theirs, float) and math.isnan(theirs))
    if ours is None or theirs_nan:
        return ours is None and theirs_nan
    return abs(float(ours) - float(theirs)) <= tolerance


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("midi_dir")
    parser.add_argument("--gan-studio", default=os.environ.get("GAN_STUDIO", "gan-studio"),
                        help="the gan-studio binary (default: $GAN_STUDIO or gan-studio)")
    parser.add_argument("--tolerance", type=float, default=1e-9)
    parser.add_argument("--json", help="also write the comparison as JSON to this file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        per_piece = os.path.join(tmp, "pieces.json")
        subprocess.run(
            [args.gan_studio, "eval", "--generated", args.midi_dir, "--reference",
             args.midi_dir, "--per-piece", per_piece, "--max-pieces", "2", "--json"],
            check=True, stdout=subprocess.DEVNULL)
        with open(per_piece, encoding="utf-8") as f:
            entries = [e for e in json.load(f) if e["set"] == "generated"]

    metrics = ["used_pitches", "unique_tones", "pitch_range", "polyphony", "polyphony_rate",
               "scale_consistency", "pitch_in_scale_rate", "pitch_entropy",
               "pitch_class_entropy", "empty_beat_rate"]
    agree = {m: 0 for m in metrics}
    worst = {m: 0.0 for m in metrics}
    mismatches = {m: [] for m in metrics}
    raw_ebr_differs = 0
    compared = 0
    for entry in entries:
        path = os.path.join(args.midi_dir, entry["name"])
        if not path.lower().endswith((".mid", ".midi")):
            continue
        try:
            music = muspy.read_midi(path)
        except Exception as error:  # noqa: BLE001 - report and go on
            print(f"muspy cannot read {path}: {error}")
            continue
        compared += 1
        ours = entry["metrics"]
        theirs = muspy_values(music, ours["scale_key"])
        for m in metrics:
            if same(ours[m], theirs[m], args.tolerance):
                agree[m] += 1
            else:
                mismatches[m].append((entry["name"], ours[m], theirs[m]))
            if ours[m] is not None and theirs[m] is not None and not (
                    isinstance(theirs[m], float) and math.isnan(theirs[m])):
                worst[m] = max(worst[m], abs(float(ours[m]) - float(theirs[m])))
        raw = muspy.empty_beat_rate(music)
        if not same(ours["empty_beat_rate"], raw, args.tolerance):
            raw_ebr_differs += 1

    print(f"{compared} MIDI files compared with MusPy {muspy.__version__}")
    print(f"{'metric':<22} {'agree':>10} {'max |diff|':>12}")
    failed = False
    for m in metrics:
        print(f"{m:<22} {agree[m]:>4}/{compared:<5} {worst[m]:>12.3g}")
        for name, a, b in mismatches[m][:3]:
            print(f"    {name}: gan-studio {a}, muspy {b}")
        failed |= agree[m] != compared
    print(f"muspy.empty_beat_rate as coded in MusPy differs on {raw_ebr_differs}/{compared} "
          "files (expected: see the docstring)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"files": compared, "agree": agree, "max_abs_diff": worst,
                       "muspy_raw_empty_beat_rate_differs": raw_ebr_differs}, f, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
