//! Kubernetes' int-or-percent quantities (`maxSurge: 25%`, `maxUnavailable: 1`).

use std::fmt;

use crate::{Error, Result};

/// A count of pods or a percentage of the desired replicas, as in
/// Kubernetes' `maxSurge` and `maxUnavailable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntOrPercent {
    /// An absolute number of pods.
    Count(u32),
    /// A percentage of the desired replica count (may exceed 100).
    Percent(u32),
}

impl IntOrPercent {
    /// Resolves against `replicas`, rounding up (`round_up`, as for
    /// `maxSurge`) or down (as for `maxUnavailable`).
    pub fn resolve(self, replicas: u32, round_up: bool) -> u32 {
        match self {
            Self::Count(n) => n,
            Self::Percent(p) => {
                let num = u64::from(replicas) * u64::from(p);
                let v = if round_up {
                    num.div_ceil(100)
                } else {
                    num / 100
                };
                u32::try_from(v).unwrap_or(u32::MAX)
            }
        }
    }

    /// Parses `3` or `25%`.
    pub fn parse(text: &str) -> Result<Self> {
        let t = text.trim();
        let err = || {
            Error::parse(
                format!("quantity {text:?}"),
                "expected a count like 2 or a percentage like 25%",
            )
        };
        if let Some(p) = t.strip_suffix('%') {
            p.trim().parse().map(Self::Percent).map_err(|_| err())
        } else {
            t.parse().map(Self::Count).map_err(|_| err())
        }
    }
}

impl fmt::Display for IntOrPercent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Count(n) => write!(f, "{n}"),
            Self::Percent(p) => write!(f, "{p}%"),
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for IntOrPercent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Count(n) => s.serialize_u32(*n),
            Self::Percent(_) => s.serialize_str(&self.to_string()),
        }
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for IntOrPercent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(u32),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(n) => Ok(Self::Count(n)),
            Raw::S(s) => Self::parse(&s).map_err(serde::de::Error::custom),
        }
    }
}

/// Kubernetes' rolling-update bounds for `replicas`: surge rounds up,
/// unavailable rounds down, and when both resolve to zero unavailable
/// becomes 1. Returns `(max_surge, max_unavailable)`.
///
/// ```
/// use relkit_deploy::{IntOrPercent, rolling_bounds};
/// let q = IntOrPercent::Percent(25);
/// assert_eq!(rolling_bounds(10, q, q), (3, 2));
/// assert_eq!(rolling_bounds(1, IntOrPercent::Count(0), q), (0, 1));
/// ```
pub fn rolling_bounds(
    replicas: u32,
    max_surge: IntOrPercent,
    max_unavailable: IntOrPercent,
) -> (u32, u32) {
    let surge = max_surge.resolve(replicas, true);
    let unavailable = max_unavailable.resolve(replicas, false);
    if surge == 0 && unavailable == 0 {
        (0, 1)
    } else {
        (surge, unavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_rounding() {
        let p = IntOrPercent::Percent(25);
        assert_eq!(rolling_bounds(10, p, p), (3, 2));
        assert_eq!(rolling_bounds(4, p, p), (1, 1));
        assert_eq!(rolling_bounds(3, p, p), (1, 0));
        assert_eq!(rolling_bounds(1, p, p), (1, 0));
        assert_eq!(
            rolling_bounds(3, IntOrPercent::Percent(10), IntOrPercent::Percent(10)),
            (1, 0)
        );
        assert_eq!(
            rolling_bounds(3, IntOrPercent::Count(0), IntOrPercent::Percent(10)),
            (0, 1)
        );
        assert_eq!(IntOrPercent::parse("25%").unwrap(), p);
        assert_eq!(IntOrPercent::parse("3").unwrap(), IntOrPercent::Count(3));
        assert!(IntOrPercent::parse("x%").is_err());
    }
}
