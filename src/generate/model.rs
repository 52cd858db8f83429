//! The next-token models generation can run: the trained LSTM and the Markov baseline.

use super::GenerateError;
use super::lstm::{LstmEngine, LstmState};
use super::markov::MarkovChain;

/// A model that gives next-token scores (logits or log-probabilities) after a context.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)] // one or two models live at a time: no need to box
pub enum TokenModel {
    /// The LSTM generator (MLE- or GAN-trained).
    Lstm(LstmEngine),
    /// The order-2 Markov chain baseline.
    Markov(MarkovChain),
}

/// The state of a batch of sequences under a [`TokenModel`].
#[derive(Clone, Debug)]
pub enum ModelState {
    /// The LSTM's recurrent state.
    Lstm(LstmState),
    /// The last two tokens of each sequence.
    Markov(Vec<[Option<u32>; 2]>),
}

impl TokenModel {
    /// The vocabulary size.
    pub fn vocab_size(&self) -> usize {
        match self {
            TokenModel::Lstm(engine) => engine.vocab_size(),
            TokenModel::Markov(chain) => chain.vocab_size(),
        }
    }

    /// Whether the model reads the place of each step (vocabulary v2): it is fed codes, starts
    /// from `<start>` and may end a tune with `<end>`.
    pub fn reads_places(&self) -> bool {
        match self {
            TokenModel::Lstm(engine) => engine.reads_places(),
            TokenModel::Markov(_) => false,
        }
    }

    /// A short description for status lines and reports.
    pub fn describe(&self) -> String {
        match self {
            TokenModel::Lstm(engine) => {
                let w = engine.weights();
                format!(
                    "LSTM generator (E {}, H {}, V {})",
                    w.embedding_width, w.hidden, w.vocab_size
                )
            }
            TokenModel::Markov(_) => "order-2 Markov chain".to_owned(),
        }
    }

    /// An empty context for `batch` sequences.
    pub fn start(&self, batch: usize) -> ModelState {
        match self {
            TokenModel::Lstm(engine) => ModelState::Lstm(engine.start(batch)),
            TokenModel::Markov(_) => ModelState::Markov(vec![[None, None]; batch]),
        }
    }

    /// Feeds one token per sequence.
    pub fn advance(&self, state: &mut ModelState, tokens: &[u32]) -> Result<(), GenerateError> {
        match (self, state) {
            (TokenModel::Lstm(engine), ModelState::Lstm(state)) => engine.advance(state, tokens),
            (TokenModel::Markov(chain), ModelState::Markov(contexts)) => {
                if tokens.len() != contexts.len() {
                    return Err(GenerateError::Internal("batch size mismatch".into()));
                }
                for (context, &t) in contexts.iter_mut().zip(tokens) {
                    if t as usize >= chain.vocab_size() {
                        return Err(GenerateError::BadToken {
                            id: t,
                            vocab: chain.vocab_size(),
                        });
                    }
                    *context = [context[1], Some(t)];
                }
                Ok(())
            }
            _ => Err(GenerateError::Internal(
                "a state used with another model".into(),
            )),
        }
    }

    /// Next-token scores `[b, V]` into `out`.
    pub fn scores(&self, state: &ModelState, out: &mut Vec<f32>) -> Result<(), GenerateError> {
        match (self, state) {
            (TokenModel::Lstm(engine), ModelState::Lstm(state)) => {
                engine.logits(state, out);
                Ok(())
            }
            (TokenModel::Markov(chain), ModelState::Markov(contexts)) => {
                let v = chain.vocab_size();
                out.clear();
                out.resize(contexts.len() * v, 0.0);
                for (b, context) in contexts.iter().enumerate() {
                    chain.log_probs(*context, &mut out[b * v..(b + 1) * v]);
                }
                Ok(())
            }
            _ => Err(GenerateError::Internal(
                "a state used with another model".into(),
            )),
        }
    }
}
