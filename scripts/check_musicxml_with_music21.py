#!/usr/bin/env python3
"""Print what an independent reader, music21, finds in a MusicXML file, as JSON.

Usage: check_musicxml_with_music21.py FILE.musicxml...

One line of JSON per file, in the order given. Times are whole numbers of 64th notes (16 per quarter) from the start of the piece:

    {"title": "...",
     "parts": [{"name": "Melody",
                "time_signatures": [[0, "3/4"]],
                "keys": [[0, 1, "major"]],          # offset, sharps (negative: flats), mode
                "measures": [[0, 48], [48, 48]],     # offset and length of each measure
                "events": [[0, 16, [67], null],      # offset, length, MIDI pitches, tie type
                           [16, 16, [], null]],      # (no pitches: a rest)
                "notes": [[67, 0, 16]]}]}            # pitch, onset, length after joining ties

Exit status 3 if music21 is not installed, 2 on a usage error, 1 if the file cannot be read.
"""

import json
import sys


def units(quarter_length):
    """A music21 offset or duration (quarter notes) in 64th notes."""
    value = float(quarter_length) * 16
    rounded = round(value)
    if abs(value - rounded) > 1e-6:
        raise ValueError(f"{quarter_length} quarters is not a whole number of 64th notes")
    return rounded


def part_facts(part):
    from music21 import chord, key, meter, note, stream

    flat = part.flatten()
    facts = {
        "name": part.partName,
        "time_signatures": [
            [units(ts.getOffsetBySite(flat)), ts.ratioString]
            for ts in flat.getElementsByClass(meter.TimeSignature)
        ],
        "keys": [
            [units(ks.getOffsetBySite(flat)), ks.sharps, getattr(ks, "mode", None)]
            for ks in flat.getElementsByClass(key.KeySignature)
        ],
        "measures": [
            [units(m.getOffsetBySite(part)), units(m.duration.quarterLength)]
            for m in part.getElementsByClass(stream.Measure)
        ],
        "events": [],
        "notes": [],
    }
    for element in flat.notesAndRests:
        if isinstance(element, note.Rest):
            pitches = []
        elif isinstance(element, chord.Chord):
            pitches = sorted(p.midi for p in element.pitches)
        else:
            pitches = [element.pitch.midi]
        tie = element.tie.type if element.tie is not None else None
        facts["events"].append(
            [units(element.getOffsetBySite(flat)), units(element.quarterLength), pitches, tie]
        )
    # Join by the tie marks alone: music21 sees a D written with a natural sign and a tied
    # D without one as different pitches. The events above show each piece's pitch.
    joined = part.stripTies(matchByPitch=False).flatten()
    for element in joined.notes:
        start = units(element.getOffsetBySite(joined))
        length = units(element.quarterLength)
        for p in element.pitches:
            facts["notes"].append([p.midi, start, length])
    facts["notes"].sort(key=lambda n: (n[1], n[0]))
    return facts


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        from music21 import converter
    except ImportError:
        print("music21 is not installed", file=sys.stderr)
        return 3
    for path in sys.argv[1:]:
        try:
            score = converter.parse(path, format="musicxml")
        except Exception as error:  # noqa: BLE001 - any failure to read is the answer
            print(f"music21 cannot read {path}: {error}", file=sys.stderr)
            return 1
        title = score.metadata.title if score.metadata is not None else None
        print(json.dumps({"title": title, "parts": [part_facts(p) for p in score.parts]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
