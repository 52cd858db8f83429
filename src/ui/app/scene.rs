//! Prepared states of the studio for screenshots (`gan-studio --scene ...`): each step waits
//! for what the previous one started.

use std::time::Duration;

/// How long the `open` scene lets the window settle before it opens its files.
const OPEN_AFTER: Duration = Duration::from_millis(1500);

use super::{StudioApp, Tab};
use crate::edit::{Document, PartRole};
use crate::ui::Scene;

impl StudioApp {
    /// Moves a prepared scene (see [`Scene`]) one step on.
    pub(super) fn scene_step(&mut self, ctx: &egui::Context) {
        let Some((scene, stage)) = self.scene else {
            return;
        };
        ctx.request_repaint_after(Duration::from_millis(100));
        let next = match (scene, stage) {
            (Scene::Open, 0) if self.started.elapsed() >= OPEN_AFTER => {
                for path in std::mem::take(&mut self.scene_files) {
                    self.open(ctx, path);
                }
                3
            }
            (Scene::Open, _) => stage,
            (_, 0) => {
                self.load_scene_seed();
                self.tab = match scene {
                    Scene::Studio | Scene::Generate | Scene::Open | Scene::SaveAs => Tab::Generate,
                    Scene::Training => Tab::Train,
                    Scene::Evaluate => Tab::Evaluate,
                };
                1
            }
            (Scene::Studio | Scene::Generate, 1) => {
                self.shared.doc.select_all();
                let mut cx = self.shared.context(ctx);
                self.panels.generate.request_generate(&mut cx);
                2
            }
            (Scene::Studio | Scene::Generate, 2) if !self.panels.generate.is_busy() => {
                if scene == Scene::Studio && self.panels.generate.accept(0, &mut self.shared.doc) {
                    self.shared.doc.clear_selection();
                }
                3
            }
            (Scene::SaveAs, 1) => {
                self.session.save(ctx, &mut self.shared, true);
                3
            }
            (Scene::Training, 1) if self.panels.dataset.dataset().is_some() => {
                self.share_dataset();
                self.panels.train.start(ctx, &mut self.shared.notifications);
                3
            }
            // The panels see the data set and model through `shared`, filled when they are polled.
            (Scene::Evaluate, 1)
                if self.shared.dataset.is_some() && self.shared.model.is_some() =>
            {
                let mut cx = self.shared.context(ctx);
                self.panels.evaluate.start_evaluation(&mut cx);
                3
            }
            _ => stage,
        };
        self.scene = (next < 3).then_some((scene, next));
    }

    /// A demo tune's first four bars as the seed.
    fn load_scene_seed(&mut self) {
        let tune = crate::abc::parse_abc_str(crate::data::DEMO_ABC, "demo_melodies.abc")
            .into_pieces()
            .0
            .into_iter()
            .nth(3);
        if let Some(mut piece) = tune {
            let bar = piece
                .initial_time_signature()
                .ticks_per_bar(piece.ticks_per_quarter);
            for part in &mut piece.parts {
                part.notes.retain(|n| n.start < 4 * bar);
            }
            self.shared.doc = Document::from_piece(&piece, PartRole::Seed);
            self.roll.key = self.shared.doc.key();
        }
    }
}
