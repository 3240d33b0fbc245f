//! Durations as people write them in manifests: `30s`, `5m`, `1h30m`, `2d`,
//! `500ms`, or a bare number of seconds.

use std::time::Duration;

use crate::{Error, Result};

/// Parses a duration such as `30s`, `5m`, `1h30m`, `2d`, `250ms` or `45` (seconds).
///
/// ```
/// use std::time::Duration;
/// assert_eq!(relkit_deploy::parse_duration("1h30m")?, Duration::from_secs(5400));
/// assert_eq!(relkit_deploy::parse_duration("45")?, Duration::from_secs(45));
/// # Ok::<(), relkit_deploy::Error>(())
/// ```
pub fn parse_duration(text: &str) -> Result<Duration> {
    let err = |reason: &str| Error::parse(format!("duration {text:?}"), reason);
    let s = text.trim();
    if s.is_empty() {
        return Err(err("it is empty"));
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        let secs: u64 = s.parse().map_err(|_| err("the number is too large"))?;
        return Ok(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(err("expected a number before each unit (s, m, h, d, ms)"));
        }
        let (num, tail) = rest.split_at(digits);
        let n: u64 = num.parse().map_err(|_| err("the number is too large"))?;
        let unit_len = tail.bytes().take_while(u8::is_ascii_alphabetic).count();
        let (unit, tail) = tail.split_at(unit_len);
        let part = match unit {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.saturating_mul(60)),
            "h" => Duration::from_secs(n.saturating_mul(3600)),
            "d" => Duration::from_secs(n.saturating_mul(86_400)),
            "" => return Err(err("a number needs a unit (s, m, h, d, ms)")),
            _ => return Err(err("unknown unit; use s, m, h, d or ms")),
        };
        total = total
            .checked_add(part)
            .ok_or_else(|| err("the duration is too large"))?;
        rest = tail;
    }
    Ok(total)
}

/// Formats a duration the way [`parse_duration`] reads it, shortest form first:
/// `90s` → `1m30s`, `3600s` → `1h`, `0` → `0s`.
pub fn format_duration(d: Duration) -> String {
    let millis = d.subsec_millis();
    let mut secs = d.as_secs();
    if secs == 0 && millis == 0 {
        return "0s".to_owned();
    }
    let mut out = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        let n = secs / size;
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
            secs %= size;
        }
    }
    if millis > 0 {
        out.push_str(&format!("{millis}ms"));
    }
    out
}

#[cfg(feature = "serde")]
pub(crate) mod serde_dur {
    //! `Duration` as a string like `30s` (numbers are read as seconds).
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Secs(u64),
        Text(String),
    }

    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_duration(*d))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        match Raw::deserialize(d)? {
            Raw::Secs(n) => Ok(Duration::from_secs(n)),
            Raw::Text(t) => super::parse_duration(&t).map_err(serde::de::Error::custom),
        }
    }

    pub(crate) mod option {
        //! `Option<Duration>` with the same representation.
        use std::time::Duration;

        use serde::{Deserialize, Deserializer, Serializer};

        #[allow(clippy::ref_option)] // serde's `with` passes `&Option<T>`.
        pub(crate) fn serialize<S: Serializer>(
            d: &Option<Duration>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => super::serialize(d, s),
                None => s.serialize_none(),
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<Duration>, D::Error> {
            match Option::<super::Raw>::deserialize(d)? {
                None => Ok(None),
                Some(super::Raw::Secs(n)) => Ok(Some(Duration::from_secs(n))),
                Some(super::Raw::Text(t)) => super::super::parse_duration(&t)
                    .map(Some)
                    .map_err(serde::de::Error::custom),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2d").unwrap(), Duration::from_secs(172_800));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("10 s").is_err());
        assert_eq!(format_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(format_duration(Duration::from_secs(3600)), "1h");
        assert_eq!(format_duration(Duration::ZERO), "0s");
        for s in [0, 1, 59, 61, 3599, 86_401, 1_000_000] {
            let d = Duration::from_secs(s);
            assert_eq!(parse_duration(&format_duration(d)).unwrap(), d);
        }
    }
}
