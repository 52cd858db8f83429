//! Which model the Generate panel uses: the built-in one, the training run's best by the
//! judge or its latest weights.
//!
//! The rule that keeps a collapsed run from replacing a good model: until the user picks a
//! model by hand, the panel uses the run's best when there is one, else the built-in model;
//! the run's latest weights only when there is nothing else (a run's newest weights may be a
//! collapsed generator that plays one note over and over). Once the user picks a kind, the
//! panel keeps to it, and newer weights of that kind replace the old ones.

use std::sync::Arc;

use crate::generate::TokenModel;
use crate::ui::panel::{ModelKind, ModelOffer};

/// The models offered and the one chosen.
pub struct ModelChoices {
    /// At most one model of each kind.
    offers: Vec<ModelOffer>,
    /// The kind chosen by hand, if the user chose.
    by_hand: Option<ModelKind>,
    /// Why there is no built-in model (shown while nothing is offered).
    missing: String,
}

impl Default for ModelChoices {
    fn default() -> Self {
        ModelChoices {
            offers: Vec::new(),
            by_hand: None,
            missing: "loading the built-in model…".to_owned(),
        }
    }
}

impl ModelChoices {
    /// Offers `offer`; it replaces the model of its kind.
    pub fn offer(&mut self, offer: ModelOffer) {
        self.offers.retain(|o| o.kind != offer.kind);
        self.offers.push(offer);
        self.offers.sort_by_key(|o| o.kind);
    }

    /// Says why there is no built-in model (the built-in model, if offered, is withdrawn).
    pub fn set_missing(&mut self, why: impl Into<String>) {
        self.offers.retain(|o| o.kind != ModelKind::BuiltIn);
        self.missing = why.into();
    }

    /// Uses the model of `kind` from now on, whatever is offered later; `false` (and no
    /// change) when no such model is offered.
    pub fn choose(&mut self, kind: ModelKind) -> bool {
        let offered = self.get(kind).is_some();
        if offered {
            self.by_hand = Some(kind);
        }
        offered
    }

    /// Goes back to the automatic choice (see the module documentation).
    pub fn choose_automatically(&mut self) {
        self.by_hand = None;
    }

    /// Whether the user chose by hand.
    pub fn is_by_hand(&self) -> bool {
        self.by_hand.is_some()
    }

    /// The model of `kind`, if offered.
    pub fn get(&self, kind: ModelKind) -> Option<&ModelOffer> {
        self.offers.iter().find(|o| o.kind == kind)
    }

    /// Every model offered, in [`ModelKind`] order.
    pub fn offers(&self) -> &[ModelOffer] {
        &self.offers
    }

    /// The kind the panel uses: the one chosen by hand (while offered), else the run's best,
    /// else the built-in model, else the run's latest weights.
    pub fn chosen_kind(&self) -> Option<ModelKind> {
        if let Some(kind) = self.by_hand
            && self.get(kind).is_some()
        {
            return Some(kind);
        }
        [ModelKind::RunBest, ModelKind::BuiltIn, ModelKind::RunLatest]
            .into_iter()
            .find(|&kind| self.get(kind).is_some())
    }

    /// The model the panel uses.
    pub fn chosen(&self) -> Option<&ModelOffer> {
        self.chosen_kind().and_then(|kind| self.get(kind))
    }

    /// The model the panel uses, shared.
    pub fn model(&self) -> Option<Arc<TokenModel>> {
        self.chosen().map(|o| Arc::clone(&o.model))
    }

    /// Which model is used, in words (why there is none, when there is none).
    pub fn label(&self) -> &str {
        self.chosen().map_or(&self.missing, |o| &o.label)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::generate::{MarkovChain, TokenModel};

    fn offer(kind: ModelKind, label: &str) -> ModelOffer {
        let chain = MarkovChain::fit(4, [[0u32, 1, 2, 3].as_slice()]);
        ModelOffer {
            kind,
            label: label.to_owned(),
            model: Arc::new(TokenModel::Markov(chain)),
        }
    }

    #[test]
    fn a_run_s_latest_weights_never_replace_the_built_in_model_by_themselves() {
        let mut choices = ModelChoices::default();
        assert_eq!(choices.chosen_kind(), None);
        assert_eq!(choices.label(), "loading the built-in model…");
        choices.offer(offer(ModelKind::BuiltIn, "built-in"));
        assert_eq!(choices.chosen_kind(), Some(ModelKind::BuiltIn));
        // A run publishes its newest weights (perhaps collapsed): still the built-in model.
        choices.offer(offer(ModelKind::RunLatest, "latest, step 10"));
        assert_eq!(choices.chosen_kind(), Some(ModelKind::BuiltIn));
        assert_eq!(choices.label(), "built-in");
        // The judge's best of the run becomes the default.
        choices.offer(offer(ModelKind::RunBest, "best, epoch 0"));
        assert_eq!(choices.chosen_kind(), Some(ModelKind::RunBest));
        choices.offer(offer(ModelKind::RunLatest, "latest, step 20"));
        assert_eq!(choices.label(), "best, epoch 0");
        choices.offer(offer(ModelKind::RunBest, "best, epoch 2"));
        assert_eq!(choices.label(), "best, epoch 2");
        assert_eq!(
            choices.offers().iter().map(|o| o.kind).collect::<Vec<_>>(),
            ModelKind::ALL
        );
    }

    #[test]
    fn a_model_chosen_by_hand_stays_chosen() {
        let mut choices = ModelChoices::default();
        choices.offer(offer(ModelKind::BuiltIn, "built-in"));
        assert!(!choices.choose(ModelKind::RunLatest), "not offered yet");
        assert!(!choices.is_by_hand());
        choices.offer(offer(ModelKind::RunLatest, "latest, step 10"));
        assert!(choices.choose(ModelKind::RunLatest));
        choices.offer(offer(ModelKind::RunBest, "best, epoch 0"));
        assert_eq!(choices.chosen_kind(), Some(ModelKind::RunLatest));
        // Newer weights of the chosen kind are used.
        choices.offer(offer(ModelKind::RunLatest, "latest, step 20"));
        assert_eq!(choices.label(), "latest, step 20");
        assert!(choices.choose(ModelKind::BuiltIn));
        assert_eq!(choices.label(), "built-in");
        choices.choose_automatically();
        assert_eq!(choices.chosen_kind(), Some(ModelKind::RunBest));
    }

    #[test]
    fn without_a_built_in_model_the_run_is_used_and_the_reason_kept() {
        let mut choices = ModelChoices::default();
        choices.set_missing("models/default is missing");
        assert_eq!(choices.label(), "models/default is missing");
        assert!(choices.model().is_none());
        choices.offer(offer(ModelKind::RunLatest, "latest, step 10"));
        assert_eq!(choices.chosen_kind(), Some(ModelKind::RunLatest));
        assert!(choices.model().is_some());
    }
}
