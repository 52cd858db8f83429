//! The Train panel's plain-language guide: what the two networks do and how to read the
//! charts.

use egui::RichText;

/// The plain-language guide to the panel.
pub(super) fn explanations_ui(ui: &mut egui::Ui) {
    egui::CollapsingHeader::new("What am I looking at?")
        .id_salt("train-explanations")
        .show(ui, |ui| {
            for (title, text) in EXPLANATIONS {
                ui.label(RichText::new(*title).strong());
                ui.label(*text);
                ui.add_space(4.0);
            }
        });
}

/// The guide's paragraphs.
const EXPLANATIONS: &[(&str, &str)] = &[
    (
        "Two networks, one game",
        "The generator (G) writes melodies one 16th-note step at a time: at each step it \
         guesses which note comes next. The discriminator (D, the critic) reads melodies and \
         says how sure it is that they are real ones from the data set rather than G's. G \
         learns by trying to fool D; D learns by not being fooled. Neither is told what makes \
         a good melody: G only ever learns it through D's eyes.",
    ),
    (
        "Pre-training first",
        "Before the game starts, G practises alone: it reads real melodies and learns to \
         predict each next note (teacher forcing). The pre-training loss is how surprised it \
         is by the real next note (lower is better; about 4.5 means pure guessing among 92 \
         tokens), and the accuracy is how often its top guess is right. The validation curves \
         measure the same on melodies it never trains on: if they rise while the training \
         curve falls, G is memorizing instead of learning.",
    ),
    (
        "The adversarial losses",
        "G loss is high when D sees through G's melodies; D loss is high when D is fooled. In \
         a healthy game they hover around each other near ln 2 (0.69), the point where D can \
         no longer tell. If D loss drops to zero and stays there, D has won and G gets no \
         useful hints; if G loss plunges while the samples stop changing, G may have found a \
         trick rather than music.",
    ),
    (
        "D(real) and D(fake)",
        "D's average verdict, from 0 (surely generated) to 1 (surely real), on real melodies \
         and on G's. Early on they sit far apart; as G improves, D(fake) climbs towards \
         D(real) and both drift towards 0.5, where D is only guessing.",
    ),
    (
        "The Wasserstein estimate (WGAN runs)",
        "With a Wasserstein critic, D gives scores instead of probabilities: C(real) and \
         C(fake) are only meaningful relative to each other. Their difference estimates how far \
         apart the real and generated melodies are (the Wasserstein distance, up to a scale): \
         it should shrink towards 0 as G improves, and unlike the BCE losses it tends to fall \
         steadily when training goes well.",
    ),
    (
        "Dense rewards (reinforce runs)",
        "With the reinforce loss, G writes whole tunes note by note and D marks every note \
         as real-sounding or not. G is nudged towards the notes D liked, while still learning \
         from the real tunes as in pre-training (the likelihood is kept), so it cannot drift \
         into one repeated note. D(real) and D(fake) stay close to 0.5 here: D judges single \
         notes in context, which is hard. Watch the judge chart: it says whether the tunes as \
         a whole got closer to real ones.",
    ),
    (
        "Faint and bold lines",
        "Each step is measured on a small random batch, so raw values jump around (faint \
         line). The bold line is a running average that shows the trend; the Smoothing slider \
         sets how long its memory is. A gap in a line means the value was not a number (the \
         training blew up at that step).",
    ),
    (
        "Is the GAN helping? (the judge)",
        "After every epoch G writes tunes from nothing and a judge that never saw them tries \
         to tell them from real folk tunes it did not train on: 50% means it cannot tell, \
         100% that it always can. Lower is better. The dotted green line is where the \
         adversarial phase started (the last epoch of the MLE model, trained on next-note \
         prediction only). Watch whether the judge's line goes below it (the GAN makes the \
         tunes more convincing) or climbs above it, towards 100% (the GAN makes them worse, \
         often by collapsing onto one repeated note). The copying chart just below keeps it \
         honest: a generator that fools the judge by copying training tunes has not won, so \
         watch for tunes flagged for copying. The Generate panel plays the run's best epoch \
         by the judge, not its latest, so a collapse at the end never replaces a good model.",
    ),
    (
        "Samples and mode collapse",
        "At the end of every pass over the data (an epoch) G writes a short melody: play them \
         in order to hear it improve. If the recent samples all sound alike, or keep \
         repeating one figure, G has collapsed onto a few patterns that fool D; the panel \
         warns when the variety of the last four samples falls below a threshold.",
    ),
];
