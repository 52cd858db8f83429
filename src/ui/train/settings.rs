//! The Train panel's choices that persist between runs: the preset, the hyperparameters of
//! either kind of run, the compute backend and the charts' smoothing (saved with the studio's
//! settings). Fields missing from an older file take their defaults; a configuration that no
//! longer reads or validates gives way to the preset's (or the default) one.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::TrainPanel;
use crate::train::backend::BackendChoice;
use crate::train::crnn::CrnnTrainConfig;
use crate::train::{Preset, TrainConfig};
use crate::ui::charts::DEFAULT_SMOOTHING;

/// What the Train panel remembers between runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainSettings {
    /// The preset chosen, by its command-line name (`None`: settings edited by hand).
    pub preset: Option<String>,
    /// The token GANs' configuration as JSON (read over the defaults of its loss, so fields
    /// added later take their defaults).
    pub config: Option<Value>,
    /// The C-RNN-GAN configuration as JSON, when the next run is a C-RNN-GAN.
    pub crnn: Option<Value>,
    /// Where runs train.
    pub backend: BackendChoice,
    /// The charts' smoothing (0 to 0.99).
    pub smoothing: f64,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            preset: Some(Preset::QuickLook.name().to_owned()),
            config: None,
            crnn: None,
            backend: BackendChoice::Auto,
            smoothing: DEFAULT_SMOOTHING,
        }
    }
}

impl TrainPanel {
    /// The choices to persist.
    pub fn settings(&self) -> TrainSettings {
        TrainSettings {
            preset: self.preset.map(|p| p.name().to_owned()),
            config: serde_json::to_value(&self.config).ok(),
            crnn: self
                .crnn
                .as_ref()
                .and_then(|c| serde_json::to_value(c).ok()),
            backend: self.backend,
            smoothing: self.smoothing,
        }
    }

    /// Applies saved choices: the preset first, then the saved configurations over it (one
    /// that no longer reads or validates is left out), the backend and the smoothing.
    pub fn apply_settings(&mut self, settings: TrainSettings) {
        let TrainSettings {
            preset,
            config,
            crnn,
            backend,
            smoothing,
        } = settings;
        let preset = preset.as_deref().and_then(Preset::from_name);
        if let Some(preset) = preset {
            self.set_preset(preset);
        }
        if let Some(config) = config.and_then(read_token_config) {
            self.config = config;
        }
        self.crnn = match crnn {
            Some(value) => read_crnn_config(value).or_else(|| self.crnn.take()),
            None if preset == Some(Preset::CRnnGan) => self.crnn.take(),
            None => None,
        };
        self.preset = preset;
        self.backend = backend;
        self.smoothing = if smoothing.is_finite() {
            smoothing.clamp(0.0, 0.99)
        } else {
            DEFAULT_SMOOTHING
        };
        self.history.set_smoothing(self.smoothing);
    }
}

/// A saved token GAN configuration, if it still reads and validates.
fn read_token_config(value: Value) -> Option<TrainConfig> {
    TrainConfig::from_value(value)
        .ok()
        .filter(|c| c.validate().is_ok())
}

/// A saved C-RNN-GAN configuration, if it still reads and validates.
fn read_crnn_config(value: Value) -> Option<CrnnTrainConfig> {
    serde_json::from_value::<CrnnTrainConfig>(value)
        .ok()
        .filter(|c| c.validate().is_ok())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::train::config::GanLoss;

    fn panel() -> TrainPanel {
        TrainPanel::new(PathBuf::from("runs"), None)
    }

    #[test]
    fn edited_hyperparameters_backend_and_smoothing_survive_a_restart() {
        let mut before = panel();
        before.set_preset(Preset::Standard);
        let config = before
            .config()
            .clone()
            .with_loss(GanLoss::WganGp)
            .apply_loss_preset()
            .with_batch_size(24)
            .with_mle_steps(123)
            .with_seed(9);
        before.set_config(config.clone());
        before.backend = BackendChoice::Cpu;
        before.smoothing = 0.3;
        let json = serde_json::to_string(&before.settings()).unwrap();

        let mut after = panel();
        after.apply_settings(serde_json::from_str(&json).unwrap());
        assert_eq!(after.config(), &config);
        assert_eq!(after.preset(), None);
        assert!(after.crnn_config().is_none());
        assert_eq!(after.backend, BackendChoice::Cpu);
        assert_eq!(after.smoothing, 0.3);
        assert_eq!(after.settings(), before.settings());
    }

    #[test]
    fn a_chosen_preset_and_a_crnn_run_survive_a_restart() {
        let mut before = panel();
        before.set_preset(Preset::CRnnGan);
        let json = serde_json::to_string(&before.settings()).unwrap();
        let mut after = panel();
        after.apply_settings(serde_json::from_str(&json).unwrap());
        assert_eq!(after.preset(), Some(Preset::CRnnGan));
        assert_eq!(after.crnn_config(), before.crnn_config());
        assert!(after.crnn_config().is_some());
    }

    #[test]
    fn older_or_damaged_settings_load_with_defaults() {
        // An older build saved only the preset and the backend.
        let old: TrainSettings =
            serde_json::from_str(r#"{"preset": "standard", "backend": "cpu"}"#).unwrap();
        let mut after = panel();
        after.apply_settings(old);
        assert_eq!(after.preset(), Some(Preset::Standard));
        assert_eq!(after.config().batch_size, 64);
        assert_eq!(after.backend, BackendChoice::Cpu);
        assert_eq!(after.smoothing, DEFAULT_SMOOTHING);
        // A configuration that no longer reads (an unknown field, a bad value) gives way to
        // the preset's; an unknown preset name leaves the default one; NaN smoothing resets.
        let damaged: TrainSettings = serde_json::from_str(
            r#"{"preset": "no-such-preset", "config": {"batch_size": 0},
                "crnn": {"mle_steps": "many"}, "smoothing": 5.0}"#,
        )
        .unwrap();
        let mut after = panel();
        after.apply_settings(damaged);
        assert_eq!(after.config(), panel().config());
        assert!(after.crnn_config().is_none());
        assert_eq!(after.smoothing, 0.99);
        // Nothing saved at all: the panel as new.
        let mut after = panel();
        after.apply_settings(serde_json::from_str("{}").unwrap());
        assert_eq!(after.settings(), panel().settings());
    }
}
