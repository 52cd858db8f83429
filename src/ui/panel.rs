//! The contract every panel of the studio follows (see the module documentation of
//! [`crate::ui`] for the error policy and how to add a panel).
//!
//! A panel is a struct behind the small [`Panel`] trait, in the spirit of egui's demo `View`:
//! [`Panel::poll`] collects what its background work finished (every frame, shown or not) and
//! [`Panel::panel_ui`] draws it. Both get a [`PanelContext`]: the document, the one
//! notification channel ([`Notifications`]), the shared data set and model, and the list of
//! [`AppAction`]s the app carries out after the panels ran. A panel never keeps messages for
//! a later frame and never returns its own action type.

use std::sync::Arc;

use crate::data::{DataSource, Dataset};
use crate::edit::Document;
use crate::generate::TokenModel;
use crate::music::Piece;

use super::notify::Notifications;

/// What a panel asks of the app (the app carries them out once the panels have run, in
/// order). One enum for every panel: a new request is a new variant here.
#[derive(Clone)]
pub enum AppAction {
    /// Play this piece (a variation, an epoch's sample) from `from_seconds`.
    Play {
        /// What to play.
        piece: Piece,
        /// Where to start, in seconds of the piece at its own tempo.
        from_seconds: f64,
    },
    /// Offer this model to the Generate panel (a training run's best or newest weights): it
    /// replaces the model of its kind, and is used when that kind is chosen (see
    /// [`super::generate::ModelChoices`]).
    OfferModel(ModelOffer),
    /// Load this data set as the studio's one data set (the Dataset panel owns it; the
    /// Train and Evaluate panels read it from [`PanelContext::dataset`]).
    LoadDataset(DataSource),
}

impl std::fmt::Debug for AppAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppAction::Play {
                piece,
                from_seconds,
            } => write!(f, "Play({:?} from {from_seconds} s)", piece.title),
            AppAction::OfferModel(offer) => {
                write!(f, "OfferModel({:?}: {})", offer.kind, offer.label)
            }
            AppAction::LoadDataset(source) => write!(f, "LoadDataset({source})"),
        }
    }
}

/// The kinds of model the studio generates with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ModelKind {
    /// The model shipped with the studio (`models/default/`).
    BuiltIn,
    /// The training run's generator the judge liked best (lowest accuracy, no copying).
    RunBest,
    /// The training run's newest generator weights.
    RunLatest,
}

impl ModelKind {
    /// Every kind, in the order offered.
    pub const ALL: [ModelKind; 3] = [ModelKind::BuiltIn, ModelKind::RunBest, ModelKind::RunLatest];

    /// A short name for buttons and cards.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::BuiltIn => "built-in model",
            ModelKind::RunBest => "run's best",
            ModelKind::RunLatest => "run's latest",
        }
    }
}

/// A model the studio can generate with, and what it is.
#[derive(Clone)]
pub struct ModelOffer {
    /// Which kind.
    pub kind: ModelKind,
    /// Which model it is, in words (e.g. "best of run-1700000000 by the judge: epoch 3").
    pub label: String,
    /// The model.
    pub model: Arc<TokenModel>,
}

/// What a panel may touch while it polls or draws.
pub struct PanelContext<'a> {
    /// The egui context (to start background jobs that ask for a repaint when done).
    pub egui: &'a egui::Context,
    /// The document being edited.
    pub doc: &'a mut Document,
    /// The one notification channel: every error and piece of news goes here, once.
    pub notify: &'a mut Notifications,
    /// Requests to the app, carried out after the panels ran.
    pub actions: &'a mut Vec<AppAction>,
    /// The studio's data set once loaded (shared, never copied).
    pub dataset: Option<Arc<Dataset>>,
    /// The model the studio generates with, if any.
    pub model: Option<Arc<TokenModel>>,
    /// Every model the studio offers (the built-in one, a training run's best and latest).
    pub models: Vec<ModelOffer>,
}

impl PanelContext<'_> {
    /// Asks the app to play `piece` from `from_seconds`.
    pub fn play(&mut self, piece: Piece, from_seconds: f64) {
        self.actions.push(AppAction::Play {
            piece,
            from_seconds,
        });
    }
}

/// The state a [`PanelContext`] borrows from: what the app shares with its panels. Tests host
/// one to drive a panel alone.
#[derive(Default)]
pub struct Shared {
    /// The document being edited.
    pub doc: Document,
    /// The notifications on screen.
    pub notifications: Notifications,
    /// Actions the panels asked for and the app has not carried out yet.
    pub actions: Vec<AppAction>,
    /// The studio's data set once loaded.
    pub dataset: Option<Arc<Dataset>>,
    /// The model in use.
    pub model: Option<Arc<TokenModel>>,
    /// Every model offered.
    pub models: Vec<ModelOffer>,
}

impl Shared {
    /// A context over this state for one poll or draw.
    pub fn context<'a>(&'a mut self, egui: &'a egui::Context) -> PanelContext<'a> {
        PanelContext {
            egui,
            doc: &mut self.doc,
            notify: &mut self.notifications,
            actions: &mut self.actions,
            dataset: self.dataset.clone(),
            model: self.model.clone(),
            models: self.models.clone(),
        }
    }
}

/// A panel of the studio (see the module documentation).
pub trait Panel {
    /// Collects what finished in the background, reporting to `cx.notify`. Called once per
    /// frame for every panel, shown or not; never blocks.
    fn poll(&mut self, cx: &mut PanelContext<'_>);

    /// Draws the panel. Whatever goes wrong is told through `cx.notify`; whatever the app
    /// must do goes to `cx.actions`.
    fn panel_ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext<'_>);
}

/// The Train panel through the contract. Its methods also serve hosts without a context
/// (`poll` and `ui` with the notifications, `ui` returning its action): this maps both.
impl Panel for super::train::TrainPanel {
    fn poll(&mut self, cx: &mut PanelContext<'_>) {
        super::train::TrainPanel::poll(self, cx.egui, cx.notify);
        for (kind, label, weights) in self.take_new_models() {
            match crate::generate::LstmEngine::new((*weights).clone()) {
                Ok(engine) => cx.actions.push(AppAction::OfferModel(ModelOffer {
                    kind,
                    label,
                    model: Arc::new(TokenModel::Lstm(engine)),
                })),
                Err(e) => cx.notify.error(e.to_string()),
            }
        }
    }

    fn panel_ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext<'_>) {
        if let Some(super::train::TrainPanelAction::Play(piece)) =
            super::train::TrainPanel::ui(self, ui, cx.notify)
        {
            cx.play(piece, 0.0);
        }
    }
}
