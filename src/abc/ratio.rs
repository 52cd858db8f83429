//! Exact non-negative fractions for note lengths and positions, so that tuplets and broken
//! rhythms never accumulate rounding error; positions are rounded to ticks only at the end.

use std::fmt;
use std::ops::{Add, Mul};

/// A non-negative fraction `num / den`, always in lowest terms with `den >= 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Ratio {
    num: u128,
    den: u128,
}

const fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

impl Ratio {
    /// Zero.
    pub(crate) const ZERO: Ratio = Ratio { num: 0, den: 1 };
    /// One.
    pub(crate) const ONE: Ratio = Ratio { num: 1, den: 1 };

    /// `num / den` in lowest terms; a zero denominator is read as 1 (callers never pass one).
    pub(crate) fn new(num: u128, den: u128) -> Ratio {
        let den = den.max(1);
        let g = gcd(num, den).max(1);
        Ratio {
            num: num / g,
            den: den / g,
        }
    }

    /// A whole number.
    pub(crate) fn int(n: u128) -> Ratio {
        Ratio { num: n, den: 1 }
    }

    /// The numerator (lowest terms).
    pub(crate) fn num(self) -> u128 {
        self.num
    }

    /// The denominator (lowest terms, at least 1).
    pub(crate) fn den(self) -> u128 {
        self.den
    }

    /// Whether the value is zero.
    pub(crate) fn is_zero(self) -> bool {
        self.num == 0
    }

    /// `self * scale`, rounded half up to the nearest integer (for converting whole notes to
    /// ticks).
    pub(crate) fn round_scaled(self, scale: u128) -> u64 {
        let scaled = self.num.saturating_mul(scale);
        let rounded = scaled.saturating_add(self.den / 2) / self.den;
        u64::try_from(rounded).unwrap_or(u64::MAX)
    }
}

impl Add for Ratio {
    type Output = Ratio;
    fn add(self, rhs: Ratio) -> Ratio {
        let g = gcd(self.den, rhs.den).max(1);
        let den = (self.den / g).saturating_mul(rhs.den);
        let num = self
            .num
            .saturating_mul(rhs.den / g)
            .saturating_add(rhs.num.saturating_mul(self.den / g));
        Ratio::new(num, den)
    }
}

impl Mul for Ratio {
    type Output = Ratio;
    fn mul(self, rhs: Ratio) -> Ratio {
        // Cross-reduce first to keep the numbers small.
        let g1 = gcd(self.num, rhs.den).max(1);
        let g2 = gcd(rhs.num, self.den).max(1);
        Ratio::new(
            (self.num / g1).saturating_mul(rhs.num / g2),
            (self.den / g2).saturating_mul(rhs.den / g1),
        )
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_reduce_add_and_multiply() {
        assert_eq!(Ratio::new(2, 4), Ratio::new(1, 2));
        assert_eq!(Ratio::new(1, 2) + Ratio::new(1, 3), Ratio::new(5, 6));
        assert_eq!(Ratio::new(3, 2) * Ratio::new(2, 3), Ratio::ONE);
        assert_eq!(Ratio::new(0, 7), Ratio::ZERO);
        assert_eq!(Ratio::new(5, 0), Ratio::int(5));
        assert_eq!(Ratio::new(3, 8).to_string(), "3/8");
    }

    #[test]
    fn ticks_round_half_up() {
        // A sixteenth note at 1920 ticks per whole note is 120 ticks.
        assert_eq!(Ratio::new(1, 16).round_scaled(1920), 120);
        // A septuplet sixteenth: 1920 * 4 / 7 / 16 = 68.57 -> 69.
        assert_eq!(Ratio::new(1, 28).round_scaled(1920), 69);
        assert_eq!(Ratio::new(1, 2).round_scaled(1), 1);
    }
}
