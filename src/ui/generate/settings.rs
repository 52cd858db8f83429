//! The Generate panel's choices that persist between runs: sampling, shape, key and range
//! (saved with the studio's settings; fields missing from an older file take their
//! defaults, and out-of-range values are clamped to what the panel offers).

use serde::{Deserialize, Serialize};

use super::GeneratePanel;
use crate::music::{Key, Metre};

/// What the Generate panel remembers between runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GenerateSettings {
    /// The RNG seed.
    pub rng_seed: u64,
    /// Whether the seed stays the same between generations.
    pub lock_seed: bool,
    /// The sampling temperature (0.1 to 2).
    pub temperature: f32,
    /// Always the likeliest note.
    pub greedy: bool,
    /// At most this many bars (1 to 32).
    pub bars: u32,
    /// The metre of a tune from nothing (`None`: the document's).
    pub metre: Option<Metre>,
    /// Stop where the model ends the tune.
    pub until_end: bool,
    /// How many variations (1 to 8).
    pub variations: usize,
    /// The key (`None`: from the seed).
    pub key: Option<Key>,
    /// Only notes of the key's scale.
    pub constrain: bool,
    /// Whether the pitch range below applies.
    pub limit_range: bool,
    /// The lowest pitch (MIDI number, 21 to 108).
    pub low: u8,
    /// The highest pitch (MIDI number, 21 to 108).
    pub high: u8,
}

impl Default for GenerateSettings {
    fn default() -> Self {
        GeneratePanel::default().settings()
    }
}

impl GeneratePanel {
    /// The choices to persist.
    pub fn settings(&self) -> GenerateSettings {
        GenerateSettings {
            rng_seed: self.rng_seed,
            lock_seed: self.lock_seed,
            temperature: self.temperature,
            greedy: self.greedy,
            bars: self.bars,
            metre: self.metre,
            until_end: self.until_end,
            variations: self.variations,
            key: self.key,
            constrain: self.constrain,
            limit_range: self.limit_range,
            low: self.low,
            high: self.high,
        }
    }

    /// A panel with saved choices applied.
    pub fn with_settings(settings: GenerateSettings) -> Self {
        let mut panel = GeneratePanel::default();
        panel.apply_settings(settings);
        panel
    }

    /// Applies saved choices, clamped to what the panel offers.
    pub fn apply_settings(&mut self, settings: GenerateSettings) {
        let GenerateSettings {
            rng_seed,
            lock_seed,
            temperature,
            greedy,
            bars,
            metre,
            until_end,
            variations,
            key,
            constrain,
            limit_range,
            low,
            high,
        } = settings;
        self.rng_seed = rng_seed;
        self.lock_seed = lock_seed;
        self.temperature = if temperature.is_finite() {
            temperature.clamp(0.1, 2.0)
        } else {
            1.0
        };
        self.greedy = greedy;
        self.bars = bars.clamp(1, 32);
        self.metre = metre;
        self.until_end = until_end;
        self.variations = variations.clamp(1, 8);
        self.key = key;
        self.constrain = constrain;
        self.limit_range = limit_range;
        let (low, high) = (low.clamp(21, 108), high.clamp(21, 108));
        (self.low, self.high) = (low.min(high), low.max(high));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_clamp_and_fill_missing_fields() {
        let wanted = GenerateSettings {
            rng_seed: 42,
            lock_seed: false,
            temperature: 0.7,
            greedy: true,
            bars: 16,
            metre: Some("6/8".parse().unwrap()),
            until_end: false,
            variations: 6,
            key: Some("F major".parse().unwrap()),
            constrain: true,
            limit_range: true,
            low: 60,
            high: 79,
        };
        let json = serde_json::to_string(&wanted).unwrap();
        let mut panel = GeneratePanel::default();
        panel.apply_settings(serde_json::from_str(&json).unwrap());
        assert_eq!(panel.settings(), wanted);
        // Settings of an older build: what is missing takes the defaults.
        let old: GenerateSettings = serde_json::from_str(r#"{"temperature": 1.3}"#).unwrap();
        assert_eq!(old.temperature, 1.3);
        assert_eq!(old.bars, GenerateSettings::default().bars);
        // Out of range: clamped.
        panel.apply_settings(GenerateSettings {
            temperature: f32::NAN,
            bars: 99,
            variations: 0,
            low: 100,
            high: 10,
            ..wanted
        });
        let s = panel.settings();
        assert_eq!((s.temperature, s.bars, s.variations), (1.0, 32, 1));
        assert_eq!((s.low, s.high), (21, 100));
    }
}
