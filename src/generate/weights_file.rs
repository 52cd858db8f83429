//! The generator weights file (`.gsw`): what the studio needs to generate, without burn and
//! without the training state. Layout: the magic line `GAN-STUDIO-WEIGHTS 1\n`, a JSON header
//! line, the arrays of [`GeneratorWeights`] as little-endian `f32`s in field order, and an
//! FNV-1a 64 checksum of everything before it.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::model::weights::GeneratorWeights;
use crate::music::metre::{BARS, POSITIONS};
use crate::music::tokens::{LOOKBACKS, OLDEST_VOCAB_VERSION, VOCAB_VERSION};

use super::GenerateError;

const MAGIC: &[u8] = b"GAN-STUDIO-WEIGHTS 1\n";

/// The header of a weights file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WeightsHeader {
    /// The token vocabulary version the model was trained with.
    pub vocab_version: u32,
    /// `V`.
    pub vocab_size: usize,
    /// `E`.
    pub embedding_width: usize,
    /// `H`.
    pub hidden: usize,
    /// Free text: where the weights come from (run, step).
    #[serde(default)]
    pub origin: String,
    /// Whether the model reads each step's lookback (its embedding is then the last array).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lookback: bool,
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The bytes of a weights file.
pub fn weights_to_bytes(
    weights: &GeneratorWeights,
    origin: &str,
) -> Result<Vec<u8>, GenerateError> {
    let header = WeightsHeader {
        vocab_version: weights.vocab_version(),
        vocab_size: weights.vocab_size,
        embedding_width: weights.embedding_width,
        hidden: weights.hidden,
        origin: origin.to_owned(),
        lookback: weights.reads_lookback(),
    };
    let mut bytes = MAGIC.to_vec();
    let json = serde_json::to_string(&header)
        .map_err(|e| GenerateError::Internal(format!("weights header: {e}")))?;
    bytes.extend_from_slice(json.as_bytes());
    bytes.push(b'\n');
    for array in arrays(weights) {
        for x in array {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
    }
    let sum = fnv1a(&bytes);
    bytes.extend_from_slice(&sum.to_le_bytes());
    Ok(bytes)
}

/// The arrays in file order (the place embeddings, then the lookback embedding, last: empty
/// in a v1 file, and the lookback's in a file of a model without it).
fn arrays(w: &GeneratorWeights) -> [&Vec<f32>; 9] {
    [
        &w.embedding,
        &w.input_weights,
        &w.hidden_weights,
        &w.gate_bias,
        &w.output_weights,
        &w.output_bias,
        &w.position_embedding,
        &w.bar_embedding,
        &w.lookback_embedding,
    ]
}

/// Writes a weights file atomically.
pub fn save_weights(
    path: &Path,
    weights: &GeneratorWeights,
    origin: &str,
) -> Result<(), GenerateError> {
    let bytes = weights_to_bytes(weights, origin)?;
    crate::fsutil::write_atomic(path, &bytes).map_err(|e| GenerateError::Model {
        path: path.to_path_buf(),
        problem: format!("could not write: {e}"),
    })
}

/// Reads a weights file.
pub fn load_weights(path: &Path) -> Result<(WeightsHeader, GeneratorWeights), GenerateError> {
    let bytes = std::fs::read(path).map_err(|e| GenerateError::Model {
        path: path.to_path_buf(),
        problem: format!("could not read: {e}"),
    })?;
    weights_from_bytes(&bytes).map_err(|problem| GenerateError::Model {
        path: path.to_path_buf(),
        problem,
    })
}

/// Parses the bytes of a weights file; the error says what is wrong.
pub fn weights_from_bytes(bytes: &[u8]) -> Result<(WeightsHeader, GeneratorWeights), String> {
    let body = bytes
        .strip_prefix(MAGIC)
        .ok_or("not a GAN Studio weights file (bad magic line)")?;
    if bytes.len() < MAGIC.len() + 8 {
        return Err("truncated".into());
    }
    let (content, sum) = bytes.split_at(bytes.len() - 8);
    let sum = u64::from_le_bytes(sum.try_into().map_err(|_| "truncated")?);
    if fnv1a(content) != sum {
        return Err("the file is damaged or truncated (checksum mismatch)".into());
    }
    let body = &body[..body.len() - 8];
    let newline = body
        .iter()
        .position(|&b| b == b'\n')
        .ok_or("the header line is missing")?;
    let header: WeightsHeader =
        serde_json::from_slice(&body[..newline]).map_err(|e| format!("bad header: {e}"))?;
    if !(OLDEST_VOCAB_VERSION..=VOCAB_VERSION).contains(&header.vocab_version) {
        return Err(format!(
            "trained with token vocabulary v{}, this program reads v{OLDEST_VOCAB_VERSION} to \
             v{VOCAB_VERSION}",
            header.vocab_version
        ));
    }
    let (v, e, h) = (header.vocab_size, header.embedding_width, header.hidden);
    let (p, bars) = if header.vocab_version >= 2 {
        (POSITIONS as usize, BARS as usize)
    } else {
        (0, 0)
    };
    let lookbacks = if header.lookback {
        LOOKBACKS as usize
    } else {
        0
    };
    let sizes = [
        v * e,
        e * 4 * h,
        h * 4 * h,
        4 * h,
        h * v,
        v,
        p * e,
        bars * e,
        lookbacks * e,
    ];
    let data = &body[newline + 1..];
    let expected: usize = sizes.iter().sum::<usize>() * 4;
    if data.len() != expected {
        return Err(format!(
            "{} bytes of weights, expected {expected} for V {v}, E {e}, H {h}",
            data.len()
        ));
    }
    let mut floats = data
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]));
    let mut take = |n: usize| floats.by_ref().take(n).collect::<Vec<f32>>();
    let weights = GeneratorWeights {
        vocab_size: v,
        embedding_width: e,
        hidden: h,
        embedding: take(sizes[0]),
        input_weights: take(sizes[1]),
        hidden_weights: take(sizes[2]),
        gate_bias: take(sizes[3]),
        output_weights: take(sizes[4]),
        output_bias: take(sizes[5]),
        position_embedding: take(sizes[6]),
        bar_embedding: take(sizes[7]),
        lookback_embedding: take(sizes[8]),
    };
    weights.validate().map_err(|e| e.to_string())?;
    if arrays(&weights)
        .iter()
        .any(|a| a.iter().any(|x| !x.is_finite()))
    {
        return Err("the weights contain NaN or infinite values".into());
    }
    Ok((header, weights))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> GeneratorWeights {
        let n = |k: usize| (0..k).map(|i| i as f32 * 0.01 - 0.3).collect::<Vec<_>>();
        GeneratorWeights {
            vocab_size: 3,
            embedding_width: 2,
            hidden: 2,
            embedding: n(6),
            input_weights: n(16),
            hidden_weights: n(16),
            gate_bias: n(8),
            output_weights: n(6),
            output_bias: n(3),
            position_embedding: Vec::new(),
            bar_embedding: Vec::new(),
            lookback_embedding: Vec::new(),
        }
    }

    #[test]
    fn round_trip_and_damage() {
        let bytes = weights_to_bytes(&small(), "test").unwrap();
        let (header, back) = weights_from_bytes(&bytes).unwrap();
        assert_eq!(back, small());
        assert_eq!(header.origin, "test");
        let mut flipped = bytes.clone();
        let last = flipped.len() - 20;
        flipped[last] ^= 1;
        assert!(
            weights_from_bytes(&flipped)
                .unwrap_err()
                .contains("checksum")
        );
        assert!(weights_from_bytes(&bytes[..bytes.len() - 3]).is_err());
        assert!(weights_from_bytes(b"hello").unwrap_err().contains("magic"));
        assert!(weights_from_bytes(b"").is_err());
    }

    #[test]
    fn load_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.gsw");
        std::fs::write(&path, b"GAN-STUDIO-WEIGHTS 1\nxx").unwrap();
        let error = load_weights(&path).unwrap_err().to_string();
        assert!(error.contains("bad.gsw"), "{error}");
    }
}
