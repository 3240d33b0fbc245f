//! The Mann-Whitney U test (Wilcoxon rank-sum), as Kayenta uses it to judge a
//! canary against its baseline.

/// The outcome of a two-sided Mann-Whitney U test of `canary` against
/// `baseline`, with the normal approximation, tie correction and continuity
/// correction (the asymptotic method of R's `wilcox.test` and SciPy's
/// `mannwhitneyu`).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MannWhitney {
    /// U of the canary sample: how many (canary, baseline) pairs have the
    /// canary value larger, ties counting one half.
    pub u: f64,
    /// The standardised statistic (positive when the canary is higher).
    pub z: f64,
    /// The two-sided p-value.
    pub p_value: f64,
    /// Number of canary samples used (NaN values are left out).
    pub n_canary: usize,
    /// Number of baseline samples used (NaN values are left out).
    pub n_baseline: usize,
    /// Median of the canary samples.
    pub median_canary: f64,
    /// Median of the baseline samples.
    pub median_baseline: f64,
}

/// Runs the test. Returns `None` when either side has no (non-NaN) sample.
///
/// ```
/// let canary = [1.9, 2.1, 2.4, 2.2, 2.6, 2.5, 2.3, 2.8];
/// let baseline = [1.0, 1.2, 0.9, 1.1, 1.4, 1.3, 1.0, 1.2];
/// let t = relkit_deploy::mann_whitney_u(&canary, &baseline).unwrap();
/// assert_eq!(t.u, 64.0);
/// assert!(t.p_value < 0.001 && t.z > 0.0);
/// ```
pub fn mann_whitney_u(canary: &[f64], baseline: &[f64]) -> Option<MannWhitney> {
    let mut a: Vec<f64> = canary.iter().copied().filter(|x| !x.is_nan()).collect();
    let mut b: Vec<f64> = baseline.iter().copied().filter(|x| !x.is_nan()).collect();
    if a.is_empty() || b.is_empty() {
        return None;
    }
    a.sort_unstable_by(f64::total_cmp);
    b.sort_unstable_by(f64::total_cmp);
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let n = n1 + n2;

    // Walk both sorted samples together, giving tied values their mean rank.
    let (mut i, mut j) = (0usize, 0usize);
    let mut pos = 0.0_f64;
    let mut rank_sum_a = 0.0_f64;
    let mut tie_term = 0.0_f64;
    loop {
        let v = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => x.min(*y),
            (Some(x), None) => *x,
            (None, Some(y)) => *y,
            (None, None) => break,
        };
        let ca = a
            .get(i..)
            .map_or(0, |s| s.iter().take_while(|x| **x == v).count());
        let cb = b
            .get(j..)
            .map_or(0, |s| s.iter().take_while(|x| **x == v).count());
        let t = (ca + cb) as f64;
        let avg_rank = pos + (t + 1.0) / 2.0;
        rank_sum_a += ca as f64 * avg_rank;
        tie_term += t * t * t - t;
        pos += t;
        i += ca;
        j += cb;
    }

    let u = rank_sum_a - n1 * (n1 + 1.0) / 2.0;
    let mean = n1 * n2 / 2.0;
    let var = n1 * n2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
    let (z, p_value) = if var <= 0.0 || !var.is_finite() {
        (0.0, 1.0)
    } else {
        let sd = var.sqrt();
        let dev = u - mean;
        let corrected = (dev.abs() - 0.5).max(0.0);
        let z = corrected / sd * dev.signum();
        // Two-sided: 2 * P(Z > |z|) = erfc(|z| / sqrt 2).
        (
            z,
            libm::erfc(corrected / sd / std::f64::consts::SQRT_2).min(1.0),
        )
    };
    Some(MannWhitney {
        u,
        z,
        p_value,
        n_canary: a.len(),
        n_baseline: b.len(),
        median_canary: median(&a),
        median_baseline: median(&b),
    })
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    let mid = n / 2;
    match (sorted.get(mid.wrapping_sub(1)), sorted.get(mid)) {
        (Some(lo), Some(hi)) if n.is_multiple_of(2) => (lo + hi) / 2.0,
        (_, Some(m)) => *m,
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-300)
    }

    #[test]
    fn small_cases_by_hand() {
        // Complete separation, 3 vs 3, no ties: U = 9, mean 4.5, var = 9*7/12 = 5.25.
        // z = (4.5 - 0.5) / sqrt(5.25) = 1.745743..., p = erfc(z / sqrt 2) = 0.0808556...
        let t = mann_whitney_u(&[4.0, 5.0, 6.0], &[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(t.u, 9.0);
        assert!(close(t.z, 1.745_743_121_887_939, 1e-12), "{}", t.z);
        assert!(
            close(t.p_value, 0.080_855_598_370_052_3, 1e-9),
            "{}",
            t.p_value
        );
        // Symmetric: the other direction gives U = 0 and the same p-value.
        let r = mann_whitney_u(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]).unwrap();
        assert_eq!(r.u, 0.0);
        assert!(r.z < 0.0);
        assert!(close(r.p_value, t.p_value, 1e-12));
    }

    #[test]
    fn ties_use_mean_ranks_and_corrected_variance() {
        // canary [1, 2, 2], baseline [2, 3]: ranks 1, 3, 3 | 3, 5.
        // R1 = 7, U = 7 - 6 = 1; ties: one group of 3 → t^3 - t = 24.
        // var = 6/12 * (6 - 24/20) = 2.4; z = -(|1 - 3| - 0.5)/sqrt(2.4).
        let t = mann_whitney_u(&[1.0, 2.0, 2.0], &[2.0, 3.0]).unwrap();
        assert_eq!(t.u, 1.0);
        let z = -1.5 / 2.4_f64.sqrt();
        assert!(close(t.z, z, 1e-12));
        assert!(close(
            t.p_value,
            libm::erfc(1.5 / 2.4_f64.sqrt() / std::f64::consts::SQRT_2),
            1e-12
        ));
        // All equal: no evidence at all.
        let same = mann_whitney_u(&[1.0; 4], &[1.0; 5]).unwrap();
        assert_eq!(same.p_value, 1.0);
        assert_eq!(same.u, 10.0);
        assert!(mann_whitney_u(&[], &[1.0]).is_none());
        assert!(mann_whitney_u(&[f64::NAN], &[1.0]).is_none());
    }

    #[test]
    fn textbook_example() {
        // Interleaved samples, no ties: canary ranks are 2, 4, 6, 8, 10 of 10 → R1 = 30, U = 15.
        // mean 12.5, var = 25 * 11 / 12; z = (2.5 - 0.5) / sqrt(22.9166...) = 0.417786..., p = 0.676103...
        let t = mann_whitney_u(&[2.0, 4.0, 6.0, 8.0, 10.0], &[1.0, 3.0, 5.0, 7.0, 9.0]).unwrap();
        assert_eq!(t.u, 15.0);
        assert!(close(t.z, 2.0 / (25.0_f64 * 11.0 / 12.0).sqrt(), 1e-12));
        assert!(
            close(t.p_value, 0.676_103_314_023_146_8, 1e-9),
            "{}",
            t.p_value
        );
        assert_eq!(t.median_canary, 6.0);
        assert_eq!(t.median_baseline, 5.0);
    }
}
