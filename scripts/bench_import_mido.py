#!/usr/bin/env python3
"""Reads every .mid file of a folder with mido, several times, and prints
`run_seconds S` per timed run and `notes N` (note-on events with velocity > 0),
for `gan-studio bench import` to compare with its own reader."""
import argparse
import pathlib
import time

import mido


def read_all(paths):
    notes = 0
    for path in paths:
        for track in mido.MidiFile(path).tracks:
            for msg in track:
                if msg.type == "note_on" and msg.velocity > 0:
                    notes += 1
    return notes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("folder")
    a = ap.parse_args()
    paths = sorted(str(p) for p in pathlib.Path(a.folder).glob("*.mid"))
    for _ in range(a.warmup):
        read_all(paths)
    notes = 0
    for _ in range(a.runs):
        t0 = time.perf_counter()
        notes = read_all(paths)
        print(f"run_seconds {time.perf_counter() - t0:.6f}", flush=True)
    print(f"notes {notes}")


if __name__ == "__main__":
    main()
