//! The neural networks of the GAN, as burn modules: the LSTM token generator and the
//! convolutional (PatchGAN-style) discriminator, each built from a documented
//! `#[derive(Config)]` whose defaults follow the papers.
//!
//! Shapes use `b` for the batch, `t` for the time steps (16th notes), `V` for the token
//! vocabulary ([`crate::music::tokens::VOCAB_SIZE`]), `E` for the embedding width, `H` for the
//! LSTM's hidden width and `C` for the discriminator's channels.
//!
//! The device (and so the backend) is chosen at run time: create models on
//! `device.autodiff()` to train them, and call `Module::valid` for inference.

pub mod config;
pub mod conv_same;
pub mod crnn;
pub mod discriminator;
pub mod fused_lstm;
pub mod generator;
mod product;
pub mod weights;

pub use config::{DiscriminatorConfig, GeneratorConfig, ModelError};
pub use discriminator::Discriminator;
pub use generator::Generator;
