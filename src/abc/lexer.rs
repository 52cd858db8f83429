//! Cutting one music line of a tune body into tokens: notes, rests, chords, bar lines,
//! endings, broken rhythms, tuplets and inline fields. Decorations, chord symbols,
//! annotations, grace notes, slurs and beaming are read and dropped.

use super::error::{AbcProblem, Located};
use super::fields::letter_index;
use super::ratio::Ratio;

/// A written note: accidental, letter, octave and length in units of `L:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NoteToken {
    /// Explicit accidental in semitones (`=` is `Some(0)`), `None` when none is written.
    pub(crate) accidental: Option<i8>,
    /// Letter index, 0 = C .. 6 = B.
    pub(crate) letter: usize,
    /// Octave in scientific pitch notation: `C` is C4 (middle C), `c` is C5, `C,` C3.
    pub(crate) octave: i32,
    /// Length in units of `L:`.
    pub(crate) length: Ratio,
    /// Whether a tie `-` follows.
    pub(crate) tie: bool,
    /// 1-based column of the note on its line.
    pub(crate) column: usize,
}

/// A bar line with its repeat marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BarToken {
    /// `:|`, `::`, `:||`: the end of a repeated section.
    pub(crate) end_repeat: bool,
    /// `|:`, `::`, `||:`: the start of a repeated section.
    pub(crate) start_repeat: bool,
}

/// One token of a music line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    /// A single note.
    Note(NoteToken),
    /// Notes sounding together, `[CEG]`; the chord's length multiplies every note's length.
    Chord {
        /// The notes with their own lengths already multiplied by the chord's length.
        notes: Vec<NoteToken>,
    },
    /// A rest `z` (or invisible rest `x`) of a length in units of `L:`.
    Rest(Ratio),
    /// A multi-measure rest `Z4` (or `X4`) of a number of bars.
    BarsRest(u32),
    /// A bar line.
    Bar(BarToken),
    /// The start of a numbered ending: `[1`, `|2`, `[1,3`, `[1-3`.
    Ending(Vec<u32>),
    /// `>` (count 1..=3, first note longer) or `<` (first note shorter).
    Broken {
        /// `true` for `>`.
        first_longer: bool,
        /// How many `>` or `<`.
        count: u8,
    },
    /// A tuplet `(p:q:r` with unspecified parts left out.
    Tuplet {
        /// Notes of the tuplet's kind.
        p: u32,
        /// In the time of `q` notes.
        q: Option<u32>,
        /// For the next `r` notes.
        r: Option<u32>,
    },
    /// A tie after something that is not a note, e.g. after a chord's `]` with a space.
    Tie,
    /// An inline field `[K:G]`.
    Field(char, String),
}

/// A token with the column where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Spanned {
    /// The token.
    pub(crate) token: Token,
    /// 1-based column.
    pub(crate) column: usize,
}

/// The decorations that ABC 2.1 writes as a single character before a note.
const DECORATION_SHORTCUTS: &str = ".~HLMOPSTuv";

/// Reads one music line (comments already removed) into tokens.
pub(crate) fn tokenize(text: &str, line: usize) -> Result<Vec<Spanned>, Located> {
    Lexer {
        chars: text.chars().collect(),
        pos: 0,
        line,
        out: Vec::new(),
    }
    .run()
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    out: Vec<Spanned>,
}

impl Lexer {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn error(&self, column_index: usize, problem: AbcProblem) -> Located {
        Located::new(self.line, column_index + 1, problem)
    }

    fn push(&mut self, start: usize, token: Token) {
        self.out.push(Spanned {
            token,
            column: start + 1,
        });
    }

    /// Moves past the closing `close` on this line, or fails with `what` unclosed.
    fn skip_to(&mut self, close: char, what: &'static str) -> Result<(), Located> {
        let start = self.pos;
        self.pos += 1;
        while let Some(c) = self.peek() {
            self.pos += 1;
            if c == close {
                return Ok(());
            }
        }
        Err(self.error(start, AbcProblem::Unclosed { what }))
    }

    /// Whether `close` occurs on the rest of the line after the current character.
    fn closes_later(&self, close: char) -> bool {
        self.chars[self.pos + 1..].contains(&close)
    }

    fn run(mut self) -> Result<Vec<Spanned>, Located> {
        while let Some(c) = self.peek() {
            let start = self.pos;
            match c {
                ' ' | '\t' | '`' | '$' | '*' | '\\' | ')' => self.pos += 1,
                '"' => self.skip_to('"', "chord symbol or annotation \"")?,
                '{' => self.skip_to('}', "grace notes {")?,
                '!' | '+' => {
                    if self.closes_later(c) {
                        self.skip_to(c, "decoration")?;
                    } else {
                        // A lone `!` is an old line-break mark; a lone `+` means nothing here.
                        self.pos += 1;
                    }
                }
                '(' => self.tuplet_or_slur()?,
                '[' => self.bracket()?,
                '|' | ':' => self.bar()?,
                '>' | '<' => {
                    let mut count = 0u8;
                    while self.peek() == Some(c) && count < 3 {
                        self.pos += 1;
                        count += 1;
                    }
                    self.push(
                        start,
                        Token::Broken {
                            first_longer: c == '>',
                            count,
                        },
                    );
                }
                '-' => {
                    self.pos += 1;
                    self.push(start, Token::Tie);
                }
                'z' | 'x' => {
                    self.pos += 1;
                    let length = self.length(start)?;
                    self.push(start, Token::Rest(length));
                }
                'Z' | 'X' => {
                    self.pos += 1;
                    let bars = self.number()?.unwrap_or(1);
                    self.push(start, Token::BarsRest(bars));
                }
                'y' => {
                    self.pos += 1;
                    self.number()?;
                }
                '&' => return Err(self.error(start, AbcProblem::Unsupported("voice overlay &"))),
                _ if DECORATION_SHORTCUTS.contains(c) => self.pos += 1,
                '^' | '_' | '=' | 'A'..='G' | 'a'..='g' => {
                    let note = self.note()?;
                    self.push(start, Token::Note(note));
                }
                '0'..='9' | '/' => return Err(self.error(start, AbcProblem::LengthWithoutNote)),
                _ => return Err(self.error(start, AbcProblem::UnexpectedChar(c))),
            }
        }
        Ok(self.out)
    }

    /// Digits as a number, `None` if there are none.
    fn number(&mut self) -> Result<Option<u32>, Located> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if start == self.pos {
            return Ok(None);
        }
        let digits: String = self.chars[start..self.pos].iter().collect();
        digits
            .parse()
            .map(Some)
            .map_err(|_| self.error(start, AbcProblem::NumberTooLarge(digits)))
    }

    /// A length after a note or rest: `2`, `/2`, `/`, `3/2`, `//`; 1 when none is written.
    fn length(&mut self, note_start: usize) -> Result<Ratio, Located> {
        let start = self.pos;
        let num = self.number()?.unwrap_or(1);
        let mut den: u128 = 1;
        while self.peek() == Some('/') {
            self.pos += 1;
            den = den.saturating_mul(u128::from(self.number()?.unwrap_or(2)));
        }
        let written: String = self.chars[start..self.pos].iter().collect();
        if num == 0 || den == 0 {
            return Err(self.error(note_start, AbcProblem::ZeroLength(written)));
        }
        Ok(Ratio::new(u128::from(num), den))
    }

    /// A note: accidental, letter, octave marks, length and tie.
    fn note(&mut self) -> Result<NoteToken, Located> {
        let start = self.pos;
        let accidental = match (self.peek(), self.peek_at(1)) {
            (Some('^'), Some('^')) => Some(2),
            (Some('_'), Some('_')) => Some(-2),
            (Some('^'), _) => Some(1),
            (Some('_'), _) => Some(-1),
            (Some('='), _) => Some(0),
            _ => None,
        };
        self.pos += match accidental {
            Some(2 | -2) => 2,
            Some(_) => 1,
            None => 0,
        };
        let letter_char = self
            .peek()
            .filter(|c| matches!(c, 'A'..='G' | 'a'..='g'))
            .ok_or_else(|| self.error(start, AbcProblem::AccidentalWithoutNote))?;
        self.pos += 1;
        let letter = letter_index(letter_char).unwrap_or(0);
        let mut octave = if letter_char.is_ascii_lowercase() {
            5
        } else {
            4
        };
        while let Some(mark) = self.peek() {
            match mark {
                '\'' => octave += 1,
                ',' => octave -= 1,
                _ => break,
            }
            self.pos += 1;
        }
        let length = self.length(start)?;
        let tie = self.peek() == Some('-');
        if tie {
            self.pos += 1;
        }
        Ok(NoteToken {
            accidental,
            letter,
            octave,
            length,
            tie,
            column: start + 1,
        })
    }

    /// `(3`, `(3:2`, `(3:2:3` is a tuplet; `(` alone opens a slur (ignored).
    fn tuplet_or_slur(&mut self) -> Result<(), Located> {
        let start = self.pos;
        self.pos += 1;
        let Some(p) = self.number()? else {
            return Ok(());
        };
        let mut q = None;
        let mut r = None;
        if self.peek() == Some(':') {
            self.pos += 1;
            q = self.number()?;
            if self.peek() == Some(':') {
                self.pos += 1;
                r = self.number()?;
            }
        }
        if p == 0 || q == Some(0) || r == Some(0) {
            let written: String = self.chars[start..self.pos].iter().collect();
            return Err(self.error(start, AbcProblem::ZeroLength(written)));
        }
        self.push(start, Token::Tuplet { p, q, r });
        Ok(())
    }

    /// `[K:G]` inline field, `[1` ending, `[|` bar line, or a chord `[CEG]2`.
    fn bracket(&mut self) -> Result<(), Located> {
        let start = self.pos;
        match (self.peek_at(1), self.peek_at(2)) {
            (Some(c), Some(':')) if c.is_ascii_alphabetic() => {
                self.skip_to(']', "inline field [")?;
                let inner: String = self.chars[start + 3..self.pos - 1].iter().collect();
                self.push(start, Token::Field(c, inner.trim().to_string()));
                Ok(())
            }
            (Some(c), _) if c.is_ascii_digit() => {
                self.pos += 1;
                let numbers = self.ending_numbers()?;
                self.push(start, Token::Ending(numbers));
                Ok(())
            }
            (Some('|'), _) => self.bar(),
            _ => self.chord(),
        }
    }

    /// `1`, `1,2`, `1-3`, `1,3-4` after `[` or `|`.
    fn ending_numbers(&mut self) -> Result<Vec<u32>, Located> {
        let mut numbers = Vec::new();
        while let Some(first) = self.number()? {
            if self.peek() == Some('-') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
                let last = self.number()?.unwrap_or(first);
                numbers.extend(first..=last.min(first.saturating_add(64)));
            } else {
                numbers.push(first);
            }
            if self.peek() == Some(',') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            } else {
                break;
            }
        }
        Ok(numbers)
    }

    /// A bar line made of `|`, `:`, `[|` and `|]`, possibly followed by an ending number.
    fn bar(&mut self) -> Result<(), Located> {
        let start = self.pos;
        let mut text = String::new();
        while let Some(c) = self.peek() {
            let part_of_bar = match c {
                '|' | ':' => true,
                ']' => text.ends_with('|'),
                '[' => self.peek_at(1) == Some('|'),
                _ => false,
            };
            if !part_of_bar {
                break;
            }
            text.push(c);
            self.pos += 1;
        }
        if !text.contains('|') && text != "::" {
            return Err(self.error(start, AbcProblem::UnexpectedChar(':')));
        }
        let bar = BarToken {
            end_repeat: text.starts_with(':'),
            start_repeat: text.ends_with(':'),
        };
        self.push(start, Token::Bar(bar));
        if self.peek().is_some_and(|c| c.is_ascii_digit()) {
            let ending_start = self.pos;
            let numbers = self.ending_numbers()?;
            self.push(ending_start, Token::Ending(numbers));
        }
        Ok(())
    }

    /// A chord `[CEG]` with an optional length and tie after the `]`.
    fn chord(&mut self) -> Result<(), Located> {
        let start = self.pos;
        self.pos += 1;
        let mut notes = Vec::new();
        loop {
            match self.peek() {
                None => return Err(self.error(start, AbcProblem::Unclosed { what: "chord [" })),
                Some(']') => {
                    self.pos += 1;
                    break;
                }
                Some('"') => self.skip_to('"', "chord symbol or annotation \"")?,
                Some('!') => self.skip_to('!', "decoration")?,
                Some(c) if c == ' ' || DECORATION_SHORTCUTS.contains(c) => self.pos += 1,
                Some('^' | '_' | '=' | 'A'..='G' | 'a'..='g') => notes.push(self.note()?),
                Some(c) => return Err(self.error(self.pos, AbcProblem::UnexpectedChar(c))),
            }
        }
        if notes.is_empty() {
            return Err(self.error(start, AbcProblem::EmptyChord));
        }
        let length = self.length(start)?;
        let tie = self.peek() == Some('-');
        if tie {
            self.pos += 1;
        }
        for note in &mut notes {
            note.length = note.length * length;
            note.tie |= tie;
        }
        self.push(start, Token::Chord { notes });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<Token> {
        tokenize(text, 1)
            .unwrap()
            .into_iter()
            .map(|s| s.token)
            .collect()
    }

    fn note(text: &str) -> NoteToken {
        match tokens(text).as_slice() {
            [Token::Note(n)] => *n,
            other => panic!("{text:?} gave {other:?}"),
        }
    }

    fn problem(text: &str) -> (usize, AbcProblem) {
        let e = tokenize(text, 7).unwrap_err();
        assert_eq!(e.line, 7);
        (e.column, e.problem)
    }

    #[test]
    fn letters_octaves_and_accidentals() {
        let n = note("C");
        assert_eq!((n.letter, n.octave, n.accidental), (0, 4, None));
        assert_eq!((note("c").letter, note("c").octave), (0, 5));
        assert_eq!(note("B,,").octave, 2);
        assert_eq!(note("b'").octave, 6);
        assert_eq!(note("g''").octave, 7);
        assert_eq!(note("^F").accidental, Some(1));
        assert_eq!(note("^^F").accidental, Some(2));
        assert_eq!(note("_B").accidental, Some(-1));
        assert_eq!(note("__B").accidental, Some(-2));
        assert_eq!(note("=f").accidental, Some(0));
        assert_eq!(note("=f").letter, 3);
    }

    #[test]
    fn lengths() {
        let len = |t: &str| note(t).length;
        assert_eq!(len("A"), Ratio::ONE);
        assert_eq!(len("A2"), Ratio::int(2));
        assert_eq!(len("A12"), Ratio::int(12));
        assert_eq!(len("A/2"), Ratio::new(1, 2));
        assert_eq!(len("A/"), Ratio::new(1, 2));
        assert_eq!(len("A//"), Ratio::new(1, 4));
        assert_eq!(len("A3/2"), Ratio::new(3, 2));
        assert_eq!(len("A3/"), Ratio::new(3, 2));
        assert_eq!(len("A/4"), Ratio::new(1, 4));
        assert!(note("A2-").tie);
        assert!(!note("A2").tie);
        assert_eq!(tokens("z3/2"), [Token::Rest(Ratio::new(3, 2))]);
        assert_eq!(tokens("x"), [Token::Rest(Ratio::ONE)]);
        assert_eq!(tokens("Z4 Z"), [Token::BarsRest(4), Token::BarsRest(1)]);
    }

    #[test]
    fn bars_repeats_and_endings() {
        let plain = Token::Bar(BarToken {
            end_repeat: false,
            start_repeat: false,
        });
        let start = Token::Bar(BarToken {
            end_repeat: false,
            start_repeat: true,
        });
        let end = Token::Bar(BarToken {
            end_repeat: true,
            start_repeat: false,
        });
        let both = Token::Bar(BarToken {
            end_repeat: true,
            start_repeat: true,
        });
        for bar in ["|", "||", "|]", "[|", "[|]"] {
            assert_eq!(tokens(bar), std::slice::from_ref(&plain), "{bar}");
        }
        assert_eq!(tokens("|:"), std::slice::from_ref(&start));
        assert_eq!(tokens("||:"), [start]);
        assert_eq!(tokens(":|"), std::slice::from_ref(&end));
        assert_eq!(tokens(":||"), std::slice::from_ref(&end));
        assert_eq!(tokens("::"), std::slice::from_ref(&both));
        assert_eq!(tokens(":|:"), [both]);
        assert_eq!(tokens("|1"), [plain.clone(), Token::Ending(vec![1])]);
        assert_eq!(tokens(":|2"), [end, Token::Ending(vec![2])]);
        assert_eq!(tokens("| [1,3"), [plain.clone(), Token::Ending(vec![1, 3])]);
        assert_eq!(tokens("[1-3"), [Token::Ending(vec![1, 2, 3])]);
        // A bar right before a chord is still a bar and a chord.
        assert!(matches!(tokens("|[CE]").as_slice(), [b, Token::Chord { .. }] if *b == plain));
    }

    #[test]
    fn chords_fields_tuplets_and_broken_rhythm() {
        match tokens("[CEg]2-").as_slice() {
            [Token::Chord { notes }] => {
                assert_eq!(notes.len(), 3);
                assert!(notes.iter().all(|n| n.length == Ratio::int(2) && n.tie));
                assert_eq!(notes[2].octave, 5);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(tokens("[K:G]"), [Token::Field('K', "G".to_string())]);
        assert_eq!(tokens("[M: 3/4 ]"), [Token::Field('M', "3/4".to_string())]);
        assert_eq!(
            tokens("(3"),
            [Token::Tuplet {
                p: 3,
                q: None,
                r: None
            }]
        );
        assert_eq!(
            tokens("(3:2:4"),
            [Token::Tuplet {
                p: 3,
                q: Some(2),
                r: Some(4)
            }]
        );
        assert!(matches!(
            tokens("A>>B").as_slice(),
            [
                Token::Note(_),
                Token::Broken {
                    first_longer: true,
                    count: 2
                },
                Token::Note(_)
            ]
        ));
        assert!(matches!(
            tokens("A<B")[1],
            Token::Broken {
                first_longer: false,
                count: 1
            }
        ));
    }

    #[test]
    fn ornaments_are_dropped() {
        // Chord symbols, annotations, decorations, grace notes, slurs and spacers vanish.
        let t = tokens("\"Am\"!trill!~A .B (cd) {/g}e +fermata+f y T`g \\");
        assert_eq!(t.len(), 7);
        assert!(t.iter().all(|t| matches!(t, Token::Note(_))));
    }

    #[test]
    fn damage_is_reported_with_its_column() {
        assert_eq!(problem("AB #C"), (4, AbcProblem::UnexpectedChar('#')));
        assert_eq!(problem("A ^ B"), (3, AbcProblem::AccidentalWithoutNote));
        assert_eq!(
            problem("A \"Am B"),
            (
                3,
                AbcProblem::Unclosed {
                    what: "chord symbol or annotation \""
                }
            )
        );
        assert_eq!(
            problem("[CE"),
            (1, AbcProblem::Unclosed { what: "chord [" })
        );
        assert_eq!(problem("A []"), (3, AbcProblem::EmptyChord));
        assert_eq!(problem("A0"), (1, AbcProblem::ZeroLength("0".to_string())));
        assert_eq!(problem("A | 2"), (5, AbcProblem::LengthWithoutNote));
        assert_eq!(
            problem("A & B"),
            (3, AbcProblem::Unsupported("voice overlay &"))
        );
        assert_eq!(problem("A : B"), (3, AbcProblem::UnexpectedChar(':')));
    }
}
