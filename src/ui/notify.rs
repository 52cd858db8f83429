//! Notifications ("toasts"): each error or piece of news is shown once, in a corner, for a few
//! seconds; errors stay until dismissed.

use std::time::Duration;

/// How a notification looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Good news or plain information.
    Info,
    /// Something went wrong; the message names the file and the problem.
    Error,
}

struct Toast {
    level: Level,
    text: String,
    shown_for: Duration,
}

/// The list of notifications on screen.
#[derive(Default)]
pub struct Notifications {
    toasts: Vec<Toast>,
}

impl Notifications {
    /// How long an information toast stays.
    const INFO_TIME: Duration = Duration::from_secs(6);

    /// Shows a piece of information for a few seconds.
    pub fn info(&mut self, text: impl Into<String>) {
        self.push(Level::Info, text.into());
    }

    /// Shows an error until the user dismisses it.
    pub fn error(&mut self, text: impl Into<String>) {
        self.push(Level::Error, text.into());
    }

    fn push(&mut self, level: Level, text: String) {
        self.toasts.push(Toast {
            level,
            text,
            shown_for: Duration::ZERO,
        });
    }

    /// The texts on screen now, oldest first (for tests).
    pub fn texts(&self) -> impl Iterator<Item = (Level, &str)> {
        self.toasts.iter().map(|t| (t.level, t.text.as_str()))
    }

    /// Draws the notifications in the bottom-right corner and ages them.
    pub fn show(&mut self, ctx: &egui::Context) {
        // Wall time since the last frame: the studio paints only when something happens (a
        // few times a second while a toast is up), and `stable_dt` then stays at one 60th of
        // a second per frame, which kept toasts on screen for a minute and more. Capped, so a
        // long stall (a suspended laptop) does not sweep them all away unseen.
        let dt = Duration::from_secs_f32(ctx.input(|i| i.unstable_dt).clamp(0.0, 1.0));
        self.toasts.retain_mut(|t| {
            t.shown_for += dt;
            t.level == Level::Error || t.shown_for < Self::INFO_TIME
        });
        if self.toasts.is_empty() {
            return;
        }
        if self.toasts.iter().any(|t| t.level == Level::Info) {
            ctx.request_repaint_after(Duration::from_millis(250));
        }
        let mut dismissed = None;
        egui::Area::new(egui::Id::unique("gan-studio-notifications"))
            .anchor(egui::Align2::RIGHT_BOTTOM, [-12.0, -36.0])
            .order(egui::Order::Foreground)
            .show(ctx, |ui| {
                ui.set_max_width(420.0);
                for (i, toast) in self.toasts.iter().enumerate() {
                    egui::Frame::popup(ui.style()).show(ui, |ui| {
                        ui.horizontal(|ui| {
                            let color = match toast.level {
                                Level::Info => ui.visuals().text_color(),
                                Level::Error => ui.visuals().error_fg_color,
                            };
                            ui.add(
                                egui::Label::new(egui::RichText::new(&toast.text).color(color))
                                    .wrap(),
                            );
                            if ui.small_button("×").on_hover_text("Dismiss").clicked() {
                                dismissed = Some(i);
                            }
                        });
                    });
                }
            });
        if let Some(i) = dismissed {
            self.toasts.remove(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs one frame of `ctx` at `seconds` of wall time.
    fn frame(ctx: &egui::Context, notifications: &mut Notifications, seconds: f64) {
        let input = egui::RawInput {
            time: Some(seconds),
            ..Default::default()
        };
        let mut output = ctx.run_ui(input, |ui| notifications.show(ui.ctx()));
        // No renderer here: the font atlas upload is dropped on purpose.
        output.textures_delta.clear();
    }

    #[test]
    fn news_fades_after_a_few_seconds_of_wall_time_and_errors_stay() {
        let ctx = egui::Context::default();
        let mut notifications = Notifications::default();
        notifications.info("saved melody.gsproj");
        notifications.error("could not write /ro/melody.gsproj: read-only folder");
        // Four frames a second, as the repaint request asks when nothing else happens.
        let mut t = 0.0;
        while t < 5.0 {
            frame(&ctx, &mut notifications, t);
            t += 0.25;
        }
        assert_eq!(notifications.texts().count(), 2, "gone too early");
        while t < 7.0 {
            frame(&ctx, &mut notifications, t);
            t += 0.25;
        }
        let left: Vec<(Level, &str)> = notifications.texts().collect();
        assert_eq!(left.len(), 1, "{left:?}");
        assert_eq!(left[0].0, Level::Error);
    }
}
