//! Writes the generator of a training run folder as a `.gsw` weights file (what the studio
//! embeds as its default model).
//!
//! `cargo run --example export_weights -- RUN_DIR OUT.gsw [ORIGIN]`

use std::path::PathBuf;

use gan_studio::generate::{TokenModel, weights_file::save_weights};
use gan_studio::models::load_model;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(run), Some(out)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: export_weights RUN_DIR OUT.gsw [ORIGIN]");
    };
    let origin = args.next().unwrap_or_else(|| run.clone());
    let TokenModel::Lstm(engine) = load_model(&PathBuf::from(&run))? else {
        anyhow::bail!("{run} is not an LSTM generator");
    };
    save_weights(&PathBuf::from(&out), engine.weights(), &origin)?;
    println!("wrote {out}");
    Ok(())
}
