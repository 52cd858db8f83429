//! Ready-made run configurations: the catalogue the studio's Train panel offers and
//! `gan-studio train --preset NAME` reads.

use super::config::{GanLoss, TrainConfig};
use super::crnn::CrnnTrainConfig;
use super::run::RunConfig;
use crate::model::crnn::{CrnnDiscriminatorConfig, CrnnGeneratorConfig};
use crate::model::{DiscriminatorConfig, GeneratorConfig};

/// Ready-made settings for a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Preset {
    /// A small model for a couple of minutes: enough to hear the samples change.
    QuickLook,
    /// The papers' model sizes and step counts.
    Standard,
    /// WGAN with weight clipping, Gaussian noise in both networks and L2 weight decay (the
    /// report's regularized variant).
    WganNoiseL2,
    /// The papers' models, then the `reinforce` recipe: whole tunes drawn from the
    /// generator, scored note by note by a wider-eyed discriminator, the likelihood kept.
    DenseRewards,
    /// C-RNN-GAN (Mogren 2016): continuous note events, an LSTM generator against a
    /// bidirectional LSTM discriminator.
    CRnnGan,
}

impl Preset {
    /// Every preset, in menu order.
    pub const ALL: [Preset; 5] = [
        Preset::QuickLook,
        Preset::Standard,
        Preset::WganNoiseL2,
        Preset::DenseRewards,
        Preset::CRnnGan,
    ];

    /// Its name in the menu.
    pub fn label(self) -> &'static str {
        match self {
            Preset::QuickLook => "Quick look (2 min)",
            Preset::Standard => "Standard",
            Preset::WganNoiseL2 => "WGAN + noise + L2",
            Preset::DenseRewards => "Dense rewards (REINFORCE)",
            Preset::CRnnGan => "C-RNN-GAN",
        }
    }

    /// Its name on the command line (`--preset NAME`).
    pub fn name(self) -> &'static str {
        match self {
            Preset::QuickLook => "quick-look",
            Preset::Standard => "standard",
            Preset::WganNoiseL2 => "wgan-noise-l2",
            Preset::DenseRewards => "dense-rewards",
            Preset::CRnnGan => "crnn",
        }
    }

    /// The preset of a command-line name (see [`Preset::name`]).
    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == name)
    }

    /// One sentence on what it does.
    pub fn description(self) -> &'static str {
        match self {
            Preset::QuickLook => {
                "A small generator (embedding 64, LSTM 128) and discriminator (64 channels), \
                 batches of 16, 1,000 pre-training and 800 adversarial steps at a higher \
                 learning rate: about two minutes on a 2-core laptop CPU (measured: 29 \
                 pre-training and 11 adversarial steps per second)."
            }
            Preset::Standard => {
                "The papers' sizes (embedding 128, LSTM 256, 128 channels), batches of 64, \
                 1,000 pre-training and 2,000 adversarial steps."
            }
            Preset::WganNoiseL2 => {
                "A Wasserstein critic (weight clipping at 0.01, 5 critic steps per generator \
                 step, RMSProp 5e-5) instead of a real/fake classifier, Gaussian noise (0.1) in \
                 both networks and L2 weight decay (1e-4): steadier training, slower steps."
            }
            Preset::DenseRewards => {
                "The papers' sizes, 1,000 pre-training steps, then 1,000 steps where the \
                 generator writes whole tunes and a discriminator that sees two bars at a time \
                 (kernel 15, 192 channels, 2 updates per step, learning rate 1e-3) scores every \
                 note; the generator learns from those scores by REINFORCE while keeping its \
                 pre-training objective, so the run cannot collapse into one repeated note. \
                 Slower steps (about 1 s each on one core)."
            }
            Preset::CRnnGan => {
                "Mogren's C-RNN-GAN: notes as continuous events (pitch, duration, gap, \
                 velocity), an LSTM generator against a bidirectional LSTM discriminator, \
                 feature matching and the freezing rule; windows of 32 notes, batches of 64, \
                 1,000 pre-training and 2,000 adversarial steps."
            }
        }
    }

    /// The configuration it stands for, with the default seed of [`TrainConfig`] (see
    /// [`RunConfig::with_seed`]).
    pub fn run_config(self) -> RunConfig {
        let token = RunConfig::Token;
        match self {
            Preset::QuickLook => token(
                TrainConfig::new(
                    GeneratorConfig::new().with_embedding(64).with_hidden(128),
                    DiscriminatorConfig::new().with_channels(64),
                )
                .with_batch_size(16)
                .with_mle_steps(1000)
                .with_gan_steps(800)
                .with_learning_rate(1e-3)
                .with_checkpoint_every(200)
                .with_validation_batches(4),
            ),
            Preset::Standard => token(TrainConfig::new(
                GeneratorConfig::new(),
                DiscriminatorConfig::new(),
            )),
            Preset::WganNoiseL2 => {
                let mut config = TrainConfig::for_loss(GanLoss::WganClip)
                    .with_g_weight_decay(1e-4)
                    .with_d_weight_decay(1e-4);
                config.generator.noise_std = 0.1;
                config.discriminator.noise_std = 0.1;
                token(config)
            }
            Preset::DenseRewards => {
                let mut config = TrainConfig::for_loss(GanLoss::Reinforce)
                    .with_gan_steps(1000)
                    .with_d_steps(2)
                    .with_d_learning_rate(Some(1e-3))
                    .with_d_weight_decay(1e-6);
                config.discriminator.kernel = 15;
                config.discriminator.channels = 192;
                token(config)
            }
            Preset::CRnnGan => RunConfig::Crnn {
                config: CrnnTrainConfig::new(
                    CrnnGeneratorConfig::new(),
                    CrnnDiscriminatorConfig::new(),
                ),
                seed: TrainConfig::new(GeneratorConfig::new(), DiscriminatorConfig::new()).seed,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_configure_their_variant() {
        let RunConfig::Token(quick) = Preset::QuickLook.run_config().with_seed(7) else {
            panic!("a token preset")
        };
        assert_eq!((quick.total_steps(), quick.seed), (1800, 7));
        let RunConfig::Token(wgan) = Preset::WganNoiseL2.run_config() else {
            panic!("a token preset")
        };
        assert_eq!(wgan.loss, GanLoss::WganClip);
        assert_eq!(wgan.d_steps, 5);
        assert_eq!(wgan.generator.noise_std, 0.1);
        assert!(wgan.g_weight_decay > 0.0 && wgan.d_weight_decay > 0.0);
        let RunConfig::Token(dense) = Preset::DenseRewards.run_config() else {
            panic!("a token preset")
        };
        assert_eq!(dense.loss, GanLoss::Reinforce);
        assert_eq!((dense.mle_weight, dense.d_steps), (1.0, 2));
        assert!(dense.validate().is_ok());
        match Preset::CRnnGan.run_config().with_seed(9) {
            RunConfig::Crnn { config, seed } => {
                assert_eq!(seed, 9);
                assert!(config.validate().is_ok());
            }
            other => panic!("expected a C-RNN-GAN configuration, got {other:?}"),
        }
    }

    #[test]
    fn command_line_names_round_trip() {
        for preset in Preset::ALL {
            assert_eq!(Preset::from_name(preset.name()), Some(preset));
        }
        assert_eq!(Preset::from_name("nope"), None);
    }
}
