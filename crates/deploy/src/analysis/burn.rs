//! SLO burn-rate checks: multiple windows, multiple burn rates (the SRE
//! workbook, chapter "Alerting on SLOs").

use std::time::Duration;

/// One alerting rule: the burn rate must exceed `factor` over both the long
/// and the short window for the check to fail.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct BurnWindow {
    /// The long window (such as 1 h).
    #[cfg_attr(feature = "serde", serde(with = "crate::duration::serde_dur"))]
    pub long: Duration,
    /// The short window (such as 5 m), which makes the alert reset quickly.
    #[cfg_attr(feature = "serde", serde(with = "crate::duration::serde_dur"))]
    pub short: Duration,
    /// The burn-rate threshold (1.0 spends the budget exactly over the SLO period).
    pub factor: f64,
}

/// A multi-window, multi-burn-rate check on an error-ratio series (errors
/// divided by requests, 0.0 to 1.0).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct BurnRate {
    /// The series of error ratios.
    pub series: String,
    /// The SLO objective, such as 0.999 for 99.9 %.
    pub objective: f64,
    /// The rules; the SRE workbook's three by default.
    #[cfg_attr(feature = "serde", serde(default = "BurnRate::workbook_windows"))]
    pub windows: Vec<BurnWindow>,
}

impl BurnRate {
    /// A check on `series` against `objective` with the workbook's windows.
    pub fn new(series: impl Into<String>, objective: f64) -> Self {
        Self {
            series: series.into(),
            objective,
            windows: Self::workbook_windows(),
        }
    }

    /// The SRE workbook's recommendation for a 30-day SLO: 2 % of the budget
    /// in 1 h (14.4, short window 5 m), 5 % in 6 h (6, short window 30 m) and
    /// 10 % in 3 days (1, short window 6 h).
    pub fn workbook_windows() -> Vec<BurnWindow> {
        let h = |n: u64| Duration::from_secs(n * 3600);
        let m = |n: u64| Duration::from_secs(n * 60);
        vec![
            BurnWindow {
                long: h(1),
                short: m(5),
                factor: 14.4,
            },
            BurnWindow {
                long: h(6),
                short: m(30),
                factor: 6.0,
            },
            BurnWindow {
                long: h(72),
                short: h(6),
                factor: 1.0,
            },
        ]
    }

    /// The burn rate of an error ratio: how many times faster than allowed
    /// the error budget is being spent.
    pub fn burn(&self, error_ratio: f64) -> f64 {
        error_ratio / (1.0 - self.objective)
    }
}
