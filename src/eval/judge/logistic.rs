//! The linear judge: L2-regularized logistic regression fitted by Newton's method.
//!
//! Minimizes `sum_i ln(1 + exp(-y_i (w . x_i + b))) + l2 / 2 * |w|^2` (labels `y = ±1`, the
//! bias `b` not penalized) on standardized features. Each Newton step solves the Hessian
//! system by Cholesky; a step that does not lower the objective is halved. The objective is
//! strictly convex for `l2 > 0`, so the fit is unique and needs no learning rate.

use serde::{Deserialize, Serialize};

use super::stats::cholesky_solve;

/// Settings of the logistic regression.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogisticConfig {
    /// L2 penalty on the weights (features are standardized; larger = simpler model).
    pub l2: f64,
    /// Newton steps at most.
    pub max_iterations: usize,
}

impl Default for LogisticConfig {
    fn default() -> Self {
        LogisticConfig {
            l2: 10.0,
            max_iterations: 30,
        }
    }
}

/// A fitted model: weights then the bias.
pub(crate) struct Logistic {
    weights: Vec<f64>,
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// `ln(1 + exp(-z))` without overflow.
fn softplus_neg(z: f64) -> f64 {
    if z > 0.0 {
        (-z).exp().ln_1p()
    } else {
        -z + z.exp().ln_1p()
    }
}

impl Logistic {
    /// Fits on `rows` (standardized) with labels `true` = class 1.
    pub(crate) fn fit(rows: &[Vec<f64>], labels: &[bool], config: &LogisticConfig) -> Self {
        let d = rows.first().map_or(0, Vec::len);
        let p = d + 1; // weights and bias
        let l2 = config.l2.max(1e-9);
        let mut w = vec![0.0; p];
        let margin = |w: &[f64], x: &[f64]| -> f64 {
            x.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() + w[d]
        };
        let objective = |w: &[f64]| -> f64 {
            let loss: f64 = rows
                .iter()
                .zip(labels)
                .map(|(x, &y)| {
                    let z = margin(w, x);
                    softplus_neg(if y { z } else { -z })
                })
                .sum();
            loss + 0.5 * l2 * w[..d].iter().map(|v| v * v).sum::<f64>()
        };
        let mut current = objective(&w);
        let mut hessian = vec![0.0; p * p];
        for _ in 0..config.max_iterations {
            let mut gradient = vec![0.0; p];
            hessian.iter_mut().for_each(|h| *h = 0.0);
            for (x, &y) in rows.iter().zip(labels) {
                let q = sigmoid(margin(&w, x));
                let g = q - if y { 1.0 } else { 0.0 };
                let s = (q * (1.0 - q)).max(1e-12);
                for (a, xa) in x.iter().enumerate() {
                    gradient[a] += g * xa;
                    let sxa = s * xa;
                    let row = &mut hessian[a * p..a * p + p];
                    for (h, xb) in row[a..d].iter_mut().zip(&x[a..]) {
                        *h += sxa * xb;
                    }
                    row[d] += sxa;
                }
                gradient[d] += g;
                hessian[d * p + d] += s;
            }
            for a in 0..d {
                gradient[a] += l2 * w[a];
                hessian[a * p + a] += l2;
                for b in a + 1..p {
                    hessian[b * p + a] = hessian[a * p + b];
                }
            }
            hessian[d * p + d] += 1e-9;
            let Some(step) = cholesky_solve(&mut hessian, &gradient, p) else {
                break;
            };
            let mut scale = 1.0;
            let mut improved = false;
            for _ in 0..20 {
                let trial: Vec<f64> = w.iter().zip(&step).map(|(a, s)| a - scale * s).collect();
                let value = objective(&trial);
                if value <= current {
                    let change = step.iter().fold(0.0_f64, |m, s| m.max((scale * s).abs()));
                    w = trial;
                    improved = current - value > 1e-10 * current.abs().max(1.0) || change > 1e-8;
                    current = value;
                    break;
                }
                scale *= 0.5;
            }
            if !improved {
                break;
            }
        }
        Logistic { weights: w }
    }

    /// Whether `row` (standardized like the training rows) is predicted as class 1.
    pub(crate) fn predict(&self, row: &[f64]) -> bool {
        let d = self.weights.len() - 1;
        let z: f64 = row
            .iter()
            .zip(&self.weights)
            .map(|(a, b)| a * b)
            .sum::<f64>()
            + self.weights[d];
        z > 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_two_shifted_clouds_and_not_noise() {
        // Class 1 has x0 around +1, class 0 around -1; x1 is the same for both.
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for i in 0..40 {
            let jitter = (i as f64 * 0.37).sin() * 0.8;
            let noise = (i as f64 * 1.1).cos();
            rows.push(vec![1.0 + jitter, noise]);
            labels.push(true);
            rows.push(vec![-1.0 + jitter, noise]);
            labels.push(false);
        }
        let model = Logistic::fit(&rows, &labels, &LogisticConfig::default());
        let correct = rows
            .iter()
            .zip(&labels)
            .filter(|(x, y)| model.predict(x) == **y)
            .count();
        assert_eq!(correct, rows.len());
        assert!(model.weights[0] > 0.0);
        assert!(model.weights[1].abs() < model.weights[0] / 10.0);
    }

    #[test]
    fn the_newton_fit_has_a_zero_gradient() {
        let rows: Vec<Vec<f64>> = (0..30)
            .map(|i| vec![(i as f64 * 0.7).cos(), (i as f64 * 1.3).sin()])
            .collect();
        let labels: Vec<bool> = (0..30).map(|i| (i * 7) % 3 == 0).collect();
        let config = LogisticConfig::default();
        let model = Logistic::fit(&rows, &labels, &config);
        let w = &model.weights;
        let mut gradient = [0.0; 3];
        for (x, &y) in rows.iter().zip(&labels) {
            let q = sigmoid(x[0] * w[0] + x[1] * w[1] + w[2]);
            let g = q - if y { 1.0 } else { 0.0 };
            gradient[0] += g * x[0];
            gradient[1] += g * x[1];
            gradient[2] += g;
        }
        gradient[0] += config.l2 * w[0];
        gradient[1] += config.l2 * w[1];
        assert!(gradient.iter().all(|g| g.abs() < 1e-6), "{gradient:?}");
    }
}
