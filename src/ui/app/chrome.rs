//! The frame around the panels: the menu and transport bar, the side tabs, the status bar,
//! the piano roll's hookup to playback, and the windows (welcome, primer, sound settings).

use super::{StudioApp, Tab};
use crate::export::ExportFormat;
use crate::ui::files::FileRequest;
use crate::ui::help;
use crate::ui::panel::Panel;

impl StudioApp {
    pub(super) fn toolbar_ui(&mut self, ui: &mut egui::Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| self.file_menu_ui(ui));
            ui.menu_button("Help", |ui| {
                if ui.button("Music primer…").clicked() {
                    self.show_primer = true;
                    ui.close();
                }
                if ui.button("Welcome…").clicked() {
                    self.welcome = true;
                    ui.close();
                }
                if ui.button("Piano-roll keys (?)").clicked() {
                    self.roll.show_help = true;
                    ui.close();
                }
            });
            ui.separator();
            let piece = self.piece();
            self.playback.set_file_stem(&self.session.file_stem());
            self.playback
                .transport_ui(ui, &piece, &mut self.shared.notifications);
            ui.separator();
            let mut bpm = self.shared.doc.tempo_bpm();
            ui.label("♩ =");
            if ui
                .add(
                    egui::DragValue::new(&mut bpm)
                        .range(20.0..=300.0)
                        .speed(0.5),
                )
                .on_hover_text("Tempo in beats per minute")
                .changed()
            {
                self.shared.doc.set_tempo_bpm(bpm);
            }
            ui.separator();
            if ui
                .button("⚙ Sound & MIDI")
                .on_hover_text("Audio output, SoundFont, MIDI ports, recording")
                .clicked()
            {
                self.show_settings = !self.show_settings;
            }
        });
    }

    fn file_menu_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if ui.button("New").clicked() {
            self.session.new_document(&mut self.shared);
            ui.close();
        }
        if ui.button("Open… (project, MIDI, ABC)").clicked() {
            self.session
                .files
                .ask(&ctx, FileRequest::Open, "", &mut self.shared.notifications);
            ui.close();
        }
        if ui.button("Save project").clicked() {
            self.session.save(&ctx, &mut self.shared, false);
            ui.close();
        }
        if ui.button("Save project as…").clicked() {
            self.session.save(&ctx, &mut self.shared, true);
            ui.close();
        }
        ui.separator();
        for format in ExportFormat::ALL {
            if ui.button(format!("Export {}…", format.label())).clicked() {
                let stem = self.session.file_stem();
                self.session.files.ask(
                    &ctx,
                    FileRequest::Export(format),
                    &stem,
                    &mut self.shared.notifications,
                );
                ui.close();
            }
        }
        if ui.button("Export WAV…").clicked() {
            let piece = self.piece();
            let stem = self.session.file_stem();
            self.playback
                .export_wav_dialog(&piece, &stem, &mut self.shared.notifications);
            ui.close();
        }
        if !self.session.recent.is_empty() {
            ui.separator();
            ui.label(egui::RichText::new("Recent").weak());
            let mut chosen = None;
            for path in &self.session.recent {
                let name = path.file_name().map_or_else(
                    || path.display().to_string(),
                    |n| n.to_string_lossy().into(),
                );
                if ui
                    .button(name)
                    .on_hover_text(path.display().to_string())
                    .clicked()
                {
                    chosen = Some(path.clone());
                }
            }
            if let Some(path) = chosen {
                self.session.open(&ctx, &self.shared, path);
                ui.close();
            }
        }
    }

    /// The side tabs and the panel of the tab shown.
    pub(super) fn side_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            for tab in Tab::ALL {
                ui.selectable_value(&mut self.tab, tab, tab.label());
            }
        });
        ui.separator();
        let ctx = ui.ctx().clone();
        let mut cx = self.shared.context(&ctx);
        let panel = self.panels.get_mut(self.tab);
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| panel.panel_ui(ui, &mut cx));
    }

    pub(super) fn status_ui(&self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            if let Some(what) = self.session.busy_text() {
                ui.spinner();
                ui.label(format!("{what}…"));
                ui.separator();
            }
            ui.label(format!(
                "Model: {} · {}",
                self.panels.generate.model_label(),
                self.panels.train.backend_text()
            ));
            ui.separator();
            self.playback.status_ui(ui);
            ui.separator();
            ui.label(self.panels.train.status_text());
            ui.separator();
            ui.label(self.panels.dataset.status_text());
            ui.separator();
            ui.label(self.session.status_text(&self.shared.doc));
        });
    }

    pub(super) fn roll_ui(&mut self, ui: &mut egui::Ui) {
        let playhead = self
            .playback
            .is_playing()
            .then(|| self.playback.position_tick());
        let output = self.roll.ui(ui, &mut self.shared.doc, playhead);
        for problem in output.problems {
            self.shared.notifications.error(problem);
        }
        for pitch in output.audition {
            self.playback.audition(pitch);
        }
        if output.toggle_play {
            let piece = self.piece();
            self.playback.toggle(&piece, &mut self.shared.notifications);
        }
        if let Some(tick) = output.seek {
            let seconds = self.piece().seconds_at(tick);
            self.playback.seek(seconds);
        }
        if let Some(region) = output.loop_changed {
            self.playback.set_loop(region);
        }
    }

    pub(super) fn windows_ui(&mut self, ctx: &egui::Context) {
        self.session.recovery_ui(ctx);
        if self.welcome && !self.session.looking_for_recovery() {
            match help::welcome_ui(ctx) {
                Some(true) => {
                    self.welcome = false;
                    self.tab = Tab::Generate;
                    self.panels.generate.set_seed_nothing();
                    let mut cx = self.shared.context(ctx);
                    self.panels.generate.request_generate(&mut cx);
                    self.play_first_variation = true;
                }
                Some(false) => self.welcome = false,
                None => {}
            }
        }
        if self.show_primer {
            help::primer_ui(ctx, &mut self.show_primer);
        }
        crate::ui::picker::dialogs_ui(ctx);
        if self.show_settings {
            let mut open = true;
            let mut cx = self.shared.context(ctx);
            egui::Window::new("Sound & MIDI")
                .open(&mut open)
                .default_width(380.0)
                .show(ctx, |ui| self.playback.panel_ui(ui, &mut cx));
            self.show_settings = open;
        }
    }
}
