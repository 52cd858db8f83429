//! Small tensor helpers both phases of the token GANs share (MLE pre-training in
//! [`super::mle`], adversarial training in [`super::gan`]): the teacher-forcing shift of a
//! batch and the L2 norm of a module's gradients.

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::{Int, Tensor};

use super::error::{TrainError, scalar};

/// Splits a `[b, t]` batch into teacher-forcing inputs (`[b, t-1]`, tokens 0..t-1) and
/// targets (`[b, t-1]`, tokens 1..t).
pub fn shift_batch(batch: Tensor<2, Int>) -> Result<(Tensor<2, Int>, Tensor<2, Int>), TrainError> {
    let [rows, steps] = batch.dims();
    if rows == 0 || steps < 2 {
        return Err(TrainError::Batch(format!(
            "a batch needs at least 1 window of at least 2 tokens, got [{rows}, {steps}]"
        )));
    }
    let inputs = batch.clone().slice([0..rows, 0..steps - 1]); // [b, t-1]
    let targets = batch.slice([0..rows, 1..steps]); // [b, t-1]
    Ok((inputs, targets))
}

/// The L2 norm of a module's gradients, all parameters together (0 without any).
pub fn gradient_norm<M: Module>(grads: &GradientsParams, module: &M) -> Result<f32, TrainError> {
    let mut visitor = SquaredNorm { grads, sum: None };
    module.visit(&mut visitor);
    match visitor.sum {
        Some(sum) => Ok(scalar(sum)?.sqrt()),
        None => Ok(0.0),
    }
}

struct SquaredNorm<'a> {
    grads: &'a GradientsParams,
    sum: Option<Tensor<1>>,
}

impl ModuleVisitor for SquaredNorm<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(grad) = self.grads.get::<D>(param.id) {
            let squares = grad.square().sum(); // [1]
            self.sum = Some(match self.sum.take() {
                Some(sum) => sum + squares,
                None => squares,
            });
        }
    }
}
