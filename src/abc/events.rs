//! Turning tokens into sounding events in written order: pitches from the key signature and
//! the accidentals of the bar, lengths in whole notes from `L:`, broken rhythms and tuplets.

use super::error::{AbcProblem, Located};
use super::fields::{AbcKey, LETTER_SEMITONES, Meter};
use super::lexer::{BarToken, NoteToken, Spanned, Token};
use super::ratio::Ratio;

/// How far an accidental reaches within its bar (`%%propagate-accidentals`, ABC 2.1 §11.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Propagation {
    /// Only the note it is written on.
    Not,
    /// The same letter in the same octave, to the end of the bar.
    Octave,
    /// The same letter in every octave, to the end of the bar: the ABC 2.1 default and what
    /// abc2midi does.
    #[default]
    Pitch,
}

impl Propagation {
    /// Reads the value of `%%propagate-accidentals`.
    pub(crate) fn parse(value: &str) -> Option<Propagation> {
        match value.trim() {
            "not" => Some(Propagation::Not),
            "octave" => Some(Propagation::Octave),
            "pitch" => Some(Propagation::Pitch),
            _ => None,
        }
    }
}

/// A note ready to sound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SoundingNote {
    /// MIDI pitch, 0..=127.
    pub(crate) pitch: u8,
    /// The written staff position (letter + 7 × octave): a tie across a bar line joins notes
    /// on the same position even if the second one's accidental differs.
    pub(crate) staff: i32,
    /// Length in whole notes.
    pub(crate) length: Ratio,
    /// Whether it is tied to the next note.
    pub(crate) tie: bool,
}

/// One event of the tune in written order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// A note or a chord; time moves on by `advance` (the first note's length).
    Notes {
        /// The notes.
        notes: Vec<SoundingNote>,
        /// How far time moves after the onset, in whole notes.
        advance: Ratio,
    },
    /// Silence, in whole notes.
    Rest(Ratio),
    /// A bar line.
    Bar(BarToken),
    /// The start of numbered endings.
    Ending(Vec<u32>),
    /// A tempo change in microseconds per quarter note.
    Tempo(u32),
    /// A meter change.
    Meter(Meter),
    /// A key change (`None`: no key signature).
    Key(Option<AbcKey>),
}

/// A pending tuplet: the factor and how many more notes it stretches.
#[derive(Clone, Copy, Debug)]
struct Tuplet {
    factor: Ratio,
    remaining: u32,
}

/// Builds events from tokens, keeping the state that written order carries.
#[derive(Debug)]
pub(crate) struct EventBuilder {
    /// The unit note length `L:` in whole notes.
    pub(crate) unit: Ratio,
    /// The meter in effect.
    pub(crate) meter: Meter,
    /// The key in effect (`None`: no signature).
    pub(crate) key: Option<AbcKey>,
    /// Accidental propagation.
    pub(crate) propagation: Propagation,
    /// Accidentals written in the current bar: (letter, octave, semitones).
    bar_accidentals: Vec<(usize, i32, i8)>,
    tuplet: Option<Tuplet>,
    /// Factor for the next note after `>` or `<`.
    broken_next: Option<Ratio>,
    /// Index of the last note/rest event, while a broken rhythm may still stretch it.
    last_sounding: Option<usize>,
    /// The events so far.
    pub(crate) events: Vec<Event>,
}

impl EventBuilder {
    /// A builder for a tune body with the header's settings.
    pub(crate) fn new(
        unit: Ratio,
        meter: Meter,
        key: Option<AbcKey>,
        propagation: Propagation,
    ) -> Self {
        EventBuilder {
            unit,
            meter,
            key,
            propagation,
            bar_accidentals: Vec::new(),
            tuplet: None,
            broken_next: None,
            last_sounding: None,
            events: Vec::new(),
        }
    }

    /// Sets the key from a `K:` field in the body.
    pub(crate) fn set_key(&mut self, key: Option<AbcKey>) {
        self.key = key;
        self.events.push(Event::Key(key));
    }

    /// Sets the meter from an `M:` field in the body.
    pub(crate) fn set_meter(&mut self, meter: Meter) {
        self.meter = meter;
        self.events.push(Event::Meter(meter));
    }

    /// A tempo change from a `Q:` field in the body.
    pub(crate) fn set_tempo(&mut self, micros_per_quarter: u32) {
        self.events.push(Event::Tempo(micros_per_quarter));
    }

    /// Feeds the tokens of one music line. Fields inside the line (`[K:G]`) are handed to
    /// `field`, which applies them through the setters.
    pub(crate) fn feed(
        &mut self,
        tokens: Vec<Spanned>,
        line: usize,
        mut field: impl FnMut(&mut Self, char, &str, usize) -> Result<(), Located>,
    ) -> Result<(), Located> {
        for Spanned { token, column } in tokens {
            match token {
                Token::Note(note) => {
                    let sounding = self.resolve(&note, line)?;
                    let factor = self.take_length_factor();
                    let sounding = SoundingNote {
                        length: sounding.length * factor,
                        ..sounding
                    };
                    self.push_sounding(Event::Notes {
                        notes: vec![sounding],
                        advance: sounding.length,
                    });
                }
                Token::Chord { notes } => {
                    let factor = self.take_length_factor();
                    let mut resolved = Vec::with_capacity(notes.len());
                    for note in &notes {
                        let n = self.resolve(note, line)?;
                        resolved.push(SoundingNote {
                            length: n.length * factor,
                            ..n
                        });
                    }
                    let advance = resolved.first().map_or(Ratio::ZERO, |n| n.length);
                    self.push_sounding(Event::Notes {
                        notes: resolved,
                        advance,
                    });
                }
                Token::Rest(length) => {
                    let factor = self.take_length_factor();
                    self.push_sounding(Event::Rest(length * self.unit * factor));
                }
                Token::BarsRest(bars) => {
                    let bar = self.meter.bar.unwrap_or(Ratio::ONE);
                    self.events
                        .push(Event::Rest(bar * Ratio::int(u128::from(bars))));
                    self.last_sounding = None;
                }
                Token::Bar(bar) => {
                    self.bar_accidentals.clear();
                    self.events.push(Event::Bar(bar));
                    self.last_sounding = None;
                }
                Token::Ending(numbers) => self.events.push(Event::Ending(numbers)),
                Token::Broken {
                    first_longer,
                    count,
                } => self.broken(first_longer, count, line, column)?,
                Token::Tuplet { p, q, r } => self.start_tuplet(p, q, r),
                Token::Tie => {
                    if let Some(Event::Notes { notes, .. }) = self.events.last_mut() {
                        notes.iter_mut().for_each(|n| n.tie = true);
                    }
                }
                Token::Field(name, value) => field(self, name, &value, column)?,
            }
        }
        Ok(())
    }

    /// The factor for the next note or rest from a pending tuplet and broken rhythm.
    fn take_length_factor(&mut self) -> Ratio {
        let mut factor = self.broken_next.take().unwrap_or(Ratio::ONE);
        if let Some(t) = self.tuplet.as_mut() {
            factor = factor * t.factor;
            t.remaining = t.remaining.saturating_sub(1);
            if t.remaining == 0 {
                self.tuplet = None;
            }
        }
        factor
    }

    fn push_sounding(&mut self, event: Event) {
        self.last_sounding = Some(self.events.len());
        self.events.push(event);
    }

    /// `>`: the previous note is longer by (2^n - 1) / 2^n and the next one shorter by as
    /// much; `<` the other way round.
    fn broken(
        &mut self,
        first_longer: bool,
        count: u8,
        line: usize,
        column: usize,
    ) -> Result<(), Located> {
        let half_power = Ratio::new(1, 1u128 << count);
        let long = Ratio::new((2u128 << count) - 1, 1u128 << count);
        let (before, after) = if first_longer {
            (long, half_power)
        } else {
            (half_power, long)
        };
        let written = if first_longer { ">" } else { "<" }.repeat(usize::from(count));
        let previous = self
            .last_sounding
            .and_then(|i| self.events.get_mut(i))
            .ok_or_else(|| {
                Located::new(line, column, AbcProblem::BrokenRhythmWithoutNote(written))
            })?;
        match previous {
            Event::Notes { notes, advance } => {
                notes.iter_mut().for_each(|n| n.length = n.length * before);
                *advance = *advance * before;
            }
            Event::Rest(length) => *length = *length * before,
            _ => {}
        }
        self.last_sounding = None;
        self.broken_next = Some(after);
        Ok(())
    }

    /// `(p:q:r`: the next `r` notes take `q / p` of their length. `q` defaults to 3 for 2, 4
    /// and 8 notes, 2 for 3 and 6, and for 5, 7 and 9 to 3 in compound meters, 2 otherwise.
    fn start_tuplet(&mut self, p: u32, q: Option<u32>, r: Option<u32>) {
        let q = q.unwrap_or(match p {
            2 | 4 | 8 => 3,
            5 | 7 | 9 if self.meter.is_compound() => 3,
            _ => 2,
        });
        self.tuplet = Some(Tuplet {
            factor: Ratio::new(u128::from(q), u128::from(p)),
            remaining: r.unwrap_or(p),
        });
    }

    /// The pitch of a written note: its own accidental, else an accidental written earlier in
    /// the bar (per the propagation rule), else the key signature.
    fn resolve(&mut self, note: &NoteToken, line: usize) -> Result<SoundingNote, Located> {
        let alteration = match note.accidental {
            Some(a) => {
                if self.propagation != Propagation::Not {
                    self.bar_accidentals.push((note.letter, note.octave, a));
                }
                a
            }
            None => self
                .bar_accidentals
                .iter()
                .rev()
                .find(|(letter, octave, _)| {
                    *letter == note.letter
                        && (self.propagation == Propagation::Pitch || *octave == note.octave)
                })
                .map(|(_, _, a)| *a)
                .unwrap_or_else(|| self.key.map_or(0, |k| k.alterations[note.letter])),
        };
        let pitch = 12 * (note.octave + 1) + LETTER_SEMITONES[note.letter] + i32::from(alteration);
        let pitch = u8::try_from(pitch)
            .ok()
            .filter(|p| *p <= 127)
            .ok_or_else(|| Located::new(line, note.column, AbcProblem::PitchOutOfRange(pitch)))?;
        Ok(SoundingNote {
            pitch,
            staff: note.letter as i32 + 7 * note.octave,
            length: note.length * self.unit,
            tie: note.tie,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::fields::{KeyField, parse_key, parse_meter};
    use super::super::lexer::tokenize;
    use super::*;

    fn build(key: &str, propagation: Propagation, music: &str) -> Vec<Event> {
        let key = match parse_key(key).unwrap() {
            KeyField::Key(k) => Some(k),
            _ => None,
        };
        let meter = parse_meter("4/4").unwrap();
        let mut b = EventBuilder::new(Ratio::new(1, 8), meter, key, propagation);
        b.feed(tokenize(music, 1).unwrap(), 1, |_, _, _, _| Ok(()))
            .unwrap();
        b.events
    }

    /// (pitch, length in 1/8 units as a fraction) of every note.
    fn notes(events: &[Event]) -> Vec<(u8, Ratio)> {
        events
            .iter()
            .flat_map(|e| match e {
                Event::Notes { notes, .. } => notes.clone(),
                _ => Vec::new(),
            })
            .map(|n| (n.pitch, n.length * Ratio::int(8)))
            .collect()
    }

    fn pitches(key: &str, music: &str) -> Vec<u8> {
        notes(&build(key, Propagation::Pitch, music))
            .into_iter()
            .map(|(p, _)| p)
            .collect()
    }

    #[test]
    fn octaves_follow_case_and_marks() {
        assert_eq!(pitches("C", "C c C, c' C,, c''"), [60, 72, 48, 84, 36, 96]);
        assert_eq!(
            pitches("C", "A B c d e f g a b"),
            [69, 71, 72, 74, 76, 77, 79, 81, 83]
        );
    }

    #[test]
    fn key_signatures_apply_in_every_octave() {
        // G major: every F is F#.
        assert_eq!(pitches("G", "F f F, G"), [66, 78, 54, 67]);
        // F major: every B is Bb.
        assert_eq!(pitches("F", "B b"), [70, 82]);
        // D dorian has no accidentals; A minor neither.
        assert_eq!(pitches("Ddor", "F B c"), [65, 71, 72]);
        assert_eq!(pitches("Am", "F G c"), [65, 67, 72]);
        // E minor: F#.
        assert_eq!(pitches("Em", "F"), [66]);
    }

    #[test]
    fn accidentals_carry_to_the_end_of_the_bar() {
        // In C: ^F makes every F of the bar F#, also an octave higher (ABC 2.1 default), and
        // the bar line cancels it.
        assert_eq!(pitches("C", "^F F f | F"), [66, 66, 78, 65]);
        // A natural cancels the key signature for the rest of the bar.
        assert_eq!(pitches("G", "=F F | F"), [65, 65, 66]);
        assert_eq!(pitches("F", "_B ^^C __E C"), [70, 62, 62, 62]);
        // Line ends are not bar lines: the caller feeds lines one by one to the same builder.
        let octave_only = build("C", Propagation::Octave, "^F F f");
        assert_eq!(
            notes(&octave_only).iter().map(|n| n.0).collect::<Vec<_>>(),
            [66, 66, 77]
        );
        let not = build("C", Propagation::Not, "^F F");
        assert_eq!(
            notes(&not).iter().map(|n| n.0).collect::<Vec<_>>(),
            [66, 65]
        );
    }

    #[test]
    fn lengths_are_in_units_of_l() {
        let got = notes(&build("C", Propagation::Pitch, "A A2 A/2 A/ A3/2 A// A3"));
        let lengths: Vec<Ratio> = got.iter().map(|n| n.1).collect();
        assert_eq!(
            lengths,
            [
                Ratio::ONE,
                Ratio::int(2),
                Ratio::new(1, 2),
                Ratio::new(1, 2),
                Ratio::new(3, 2),
                Ratio::new(1, 4),
                Ratio::int(3)
            ]
        );
    }

    #[test]
    fn broken_rhythm_shares_the_length() {
        let got = notes(&build("C", Propagation::Pitch, "A>B c<d e>>f"));
        let lengths: Vec<Ratio> = got.iter().map(|n| n.1).collect();
        assert_eq!(
            lengths,
            [
                Ratio::new(3, 2),
                Ratio::new(1, 2),
                Ratio::new(1, 2),
                Ratio::new(3, 2),
                Ratio::new(7, 4),
                Ratio::new(1, 4)
            ]
        );
        // A rest can take part too.
        let events = build("C", Propagation::Pitch, "z>A");
        assert_eq!(events[0], Event::Rest(Ratio::new(3, 16)));
    }

    #[test]
    fn broken_rhythm_needs_a_note_before_it() {
        let mut b = EventBuilder::new(Ratio::new(1, 8), Meter::FREE, None, Propagation::Pitch);
        let err = b
            .feed(tokenize("| >A", 3).unwrap(), 3, |_, _, _, _| Ok(()))
            .unwrap_err();
        assert_eq!(err.line, 3);
        assert_eq!(err.column, 3);
        assert_eq!(err.problem, AbcProblem::BrokenRhythmWithoutNote(">".into()));
    }

    #[test]
    fn triplets_take_two_thirds() {
        let got = notes(&build("C", Propagation::Pitch, "(3ABc d (3:2:2 e2f2 g"));
        let lengths: Vec<Ratio> = got.iter().map(|n| n.1).collect();
        let third = Ratio::new(2, 3);
        assert_eq!(
            lengths,
            [
                third,
                third,
                third,
                Ratio::ONE,
                Ratio::new(4, 3),
                Ratio::new(4, 3),
                Ratio::ONE
            ]
        );
    }

    #[test]
    fn chords_advance_by_their_first_note() {
        let events = build("C", Propagation::Pitch, "[CEG]2 [c2e]");
        match &events[0] {
            Event::Notes { notes, advance } => {
                assert_eq!(
                    notes.iter().map(|n| n.pitch).collect::<Vec<_>>(),
                    [60, 64, 67]
                );
                assert_eq!(*advance, Ratio::new(1, 4));
            }
            other => panic!("{other:?}"),
        }
        match &events[1] {
            Event::Notes { advance, .. } => assert_eq!(*advance, Ratio::new(1, 4)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn out_of_range_pitch_is_an_error() {
        let mut b = EventBuilder::new(Ratio::new(1, 8), Meter::FREE, None, Propagation::Pitch);
        let err = b
            .feed(tokenize("C c'''''", 9).unwrap(), 9, |_, _, _, _| Ok(()))
            .unwrap_err();
        assert_eq!((err.line, err.column), (9, 3));
        assert_eq!(err.problem, AbcProblem::PitchOutOfRange(132));
    }

    #[test]
    fn multi_bar_rests_follow_the_meter() {
        let mut b = EventBuilder::new(
            Ratio::new(1, 8),
            parse_meter("3/4").unwrap(),
            None,
            Propagation::Pitch,
        );
        b.feed(tokenize("Z2", 1).unwrap(), 1, |_, _, _, _| Ok(()))
            .unwrap();
        assert_eq!(b.events, [Event::Rest(Ratio::new(3, 2))]);
    }
}
