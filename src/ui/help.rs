//! The welcome window, crash recovery, and the music primer for beginners.

use std::path::Path;

/// The first-run welcome. Returns `Some(true)` for "generate and play", `Some(false)` when
/// dismissed.
pub fn welcome_ui(ctx: &egui::Context) -> Option<bool> {
    let mut answer = None;
    egui::Window::new("Welcome to GAN Studio")
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
        .show(ctx, |ui| {
            ui.label(
                "A neural network (an LSTM trained on 1,700 European folk tunes) writes \
                 melodies here. Hear one now, then try your own:",
            );
            ui.add_space(6.0);
            ui.label("1. Draw a few notes in the piano roll (pencil tool, key 1).");
            ui.label("2. Press ✦ Generate: the model continues your melody.");
            ui.label("3. ▶ Play a variation, ✔ Accept the one you like, export it.");
            ui.label("Train your own model in the Train tab and watch it learn.");
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui
                    .button(egui::RichText::new("♪ Generate and play a melody").strong())
                    .clicked()
                {
                    answer = Some(true);
                }
                if ui.button("Start with an empty roll").clicked() {
                    answer = Some(false);
                }
            });
        });
    answer
}

/// Offers to recover the autosave left by a session that did not end cleanly (`age`: e.g.
/// " from 5 minute(s) ago", found with the file). Returns `Some(true)` to recover,
/// `Some(false)` to discard.
pub fn recovery_ui(ctx: &egui::Context, path: &Path, age: &str) -> Option<bool> {
    let when = age;
    let mut answer = None;
    egui::Window::new("Recover unsaved work?")
        .collapsible(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
        .show(ctx, |ui| {
            ui.label(format!(
                "The last session ended with unsaved changes. An autosave{when} is in {}.",
                path.display()
            ));
            ui.horizontal(|ui| {
                if ui.button("Recover").clicked() {
                    answer = Some(true);
                }
                if ui.button("Discard").clicked() {
                    answer = Some(false);
                }
            });
        });
    answer
}

/// The short music primer.
pub fn primer_ui(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new("Music primer")
        .open(open)
        .default_width(460.0)
        .show(ctx, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                for (title, text) in PRIMER {
                    ui.heading(*title);
                    ui.label(*text);
                    ui.add_space(6.0);
                }
            });
        });
}

const PRIMER: &[(&str, &str)] = &[
    (
        "Notes and octaves",
        "A note is a pitch played for a time. The piano has 88 keys, from A0 to C8. The \
         seven white-key names repeat: C D E F G A B, then C again one octave higher. The \
         number is the octave: middle C is C4; C5 is an octave above it.",
    ),
    (
        "Sharps and flats",
        "The black keys sit between white keys: C♯ (C sharp) is a half step above C, D♭ (D \
         flat) a half step below D; on the piano they are the same key. Twelve half steps \
         make an octave.",
    ),
    (
        "MIDI numbers",
        "MIDI numbers every key: middle C (C4) is 60, each half step adds 1, so A4 (the 440 \
         Hz tuning note) is 69 and the piano runs from 21 to 108. Typed seeds use these \
         numbers: \"67 _ 65 64\" is G4 held, then F4, then E4.",
    ),
    (
        "Note values",
        "Lengths are fractions of a whole note: half, quarter, eighth, sixteenth. GAN Studio \
         thinks in sixteenth-note steps: a quarter note is 4 steps. A dot makes a note half \
         as long again; a triplet fits three notes in the time of two.",
    ),
    (
        "Bars and time signatures",
        "Music is grouped into bars (measures). 4/4 means four quarter-note beats per bar; \
         3/4 three (a waltz); 6/8 six eighths felt as two beats (a jig). The first beat of a \
         bar is the strongest; the roll draws bar lines darker than beat lines.",
    ),
    (
        "Keys and scales",
        "A key is a home note and a scale: C major uses only the white keys; A minor too, \
         with A as home. Melodies feel finished when they return home. The roll can \
         highlight a key's scale, and Generate can keep every note in it.",
    ),
    (
        "Transposition",
        "Moving every note up or down by the same number of half steps keeps the tune and \
         changes the key. The model learned every melody moved to C major or A minor; GAN \
         Studio moves your seed there and the result back, so any key works. In the roll, \
         Up/Down move a semitone, Shift+Up/Down an octave.",
    ),
    (
        "What the GAN does",
        "The generator (G) writes melodies one 16th step at a time; the discriminator (D) \
         tries to tell them from real folk tunes. Each learns from the other. The Train tab \
         shows both losses as they learn.",
    ),
];
