#!/usr/bin/env python3
"""Print what an independent reader, Python's mido, finds in a MIDI file.

Usage: check_midi_with_mido.py FILE.mid

One fact per line, for comparison with GAN Studio's own reader (tests/midi_mido.rs):

    header format=1 tracks=3 ticks_per_beat=480
    name track=0 Title
    tempo track=0 tick=0 micros=500000
    time_signature track=0 tick=0 3/4
    key_signature track=0 tick=0 Em
    program track=1 channel=0 program=40
    end track=1 tick=1920
    note track=1 channel=0 pitch=60 start=0 end=480 velocity=80

Notes are paired the way GAN Studio pairs them: a note_off (or a note_on of velocity 0)
ends the earliest sounding note of its pitch and channel in its track; notes never
released end at their track's end; a note of no length lasts one tick. Names are shown
as UTF-8 when they are UTF-8 (mido itself decodes them as Latin-1). Note lines come last,
sorted. Exit status 3 if mido is not installed, 2 on a usage error.
"""

import sys
from collections import defaultdict, deque


def text(latin1):
    """Meta text as GAN Studio reads it: UTF-8 when the bytes are UTF-8, else Latin-1
    (mido decodes everything as Latin-1), trailing NULs dropped."""
    raw = latin1.encode("latin1").rstrip(b"\0")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin1")


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        import mido
    except ImportError:
        print("mido is not installed (pip install mido)", file=sys.stderr)
        return 3

    midi = mido.MidiFile(argv[1])
    print(f"header format={midi.type} tracks={len(midi.tracks)} "
          f"ticks_per_beat={midi.ticks_per_beat}")
    notes = []
    for index, track in enumerate(midi.tracks):
        tick = 0
        sounding = defaultdict(deque)
        for msg in track:
            tick += msg.time
            if msg.type == "track_name":
                print(f"name track={index} {text(msg.name)}")
            elif msg.type == "set_tempo":
                print(f"tempo track={index} tick={tick} micros={msg.tempo}")
            elif msg.type == "time_signature":
                print(f"time_signature track={index} tick={tick} "
                      f"{msg.numerator}/{msg.denominator}")
            elif msg.type == "key_signature":
                print(f"key_signature track={index} tick={tick} {msg.key}")
            elif msg.type == "end_of_track":
                print(f"end track={index} tick={tick}")
                break
            elif msg.type == "program_change":
                print(f"program track={index} channel={msg.channel} "
                      f"program={msg.program}")
            elif msg.type == "note_on" and msg.velocity > 0:
                sounding[(msg.channel, msg.note)].append((tick, msg.velocity))
            elif msg.type in ("note_on", "note_off"):
                queue = sounding[(msg.channel, msg.note)]
                if queue:
                    start, velocity = queue.popleft()
                    notes.append((index, msg.channel, msg.note, start,
                                  max(tick, start + 1), velocity))
        for (channel, pitch), queue in sounding.items():
            for start, velocity in queue:
                notes.append((index, channel, pitch, start, max(tick, start + 1),
                              velocity))
    for n in sorted(notes):
        print("note track={} channel={} pitch={} start={} end={} velocity={}".format(*n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
