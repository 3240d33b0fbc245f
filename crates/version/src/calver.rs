//! Calendar versioning (CalVer) kept inside SemVer's shape.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use semver::Version;

use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    FullYear,
    ShortYear,
    Month,
    Week,
    Day,
    Patch,
}

/// A CalVer format of three dot-separated tokens, such as `YYYY.MM.PATCH`.
///
/// Tokens: `YYYY` (2026), `YY` (26, years since 2000), `MM` (1–12), `WW`
/// (ISO week 1–53; the year then is the ISO week-year, so versions never go
/// backwards around New Year), `DD` (1–31) and `PATCH` (a counter that starts
/// at 0 in each period and counts releases within it). The first token is a
/// year and `PATCH`, when present, is last. Zero-padded tokens (`0M`) are not
/// offered because Cargo requires SemVer, where `2026.01.0` is invalid.
///
/// ```
/// use relkit_version::CalVer;
/// use jiff::civil::date;
/// use semver::Version;
///
/// let f: CalVer = "YYYY.MM.PATCH".parse()?;
/// let today = date(2026, 11, 29);
/// assert_eq!(f.next(None, today)?, Version::new(2026, 11, 0));
/// assert_eq!(f.next(Some(&Version::new(2026, 11, 0)), today)?, Version::new(2026, 11, 1));
/// assert_eq!(f.next(Some(&Version::new(2026, 10, 7)), today)?, Version::new(2026, 11, 0));
/// # Ok::<(), relkit_version::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalVer {
    raw: String,
    tokens: [Token; 3],
}

impl CalVer {
    /// Read a format.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCalVerFormat`] for an unknown token, a count other
    /// than three, a first token that is not a year, or `PATCH` elsewhere
    /// than last.
    pub fn new(format: &str) -> Result<Self> {
        let err = |reason: String| Error::InvalidCalVerFormat {
            format: format.to_owned(),
            reason,
        };
        let tokens = format
            .split('.')
            .map(|t| match t {
                "YYYY" => Ok(Token::FullYear),
                "YY" => Ok(Token::ShortYear),
                "MM" => Ok(Token::Month),
                "WW" => Ok(Token::Week),
                "DD" => Ok(Token::Day),
                "PATCH" | "MICRO" => Ok(Token::Patch),
                other => Err(err(format!(
                    "unknown token {other:?}; use YYYY, YY, MM, WW, DD and PATCH"
                ))),
            })
            .collect::<Result<Vec<_>>>()?;
        let tokens: [Token; 3] = tokens
            .try_into()
            .map_err(|_| err("a SemVer-shaped CalVer has exactly three tokens".to_owned()))?;
        if !matches!(tokens[0], Token::FullYear | Token::ShortYear) {
            return Err(err("the first token must be YYYY or YY".to_owned()));
        }
        if matches!(tokens[1], Token::FullYear | Token::ShortYear | Token::Patch)
            || matches!(tokens[2], Token::FullYear | Token::ShortYear)
        {
            return Err(err(
                "a year comes first only, and PATCH comes last only".to_owned()
            ));
        }
        if tokens[1] == Token::Week && tokens[2] == Token::Day
            || tokens[1] == Token::Day
            || tokens[1] == tokens[2]
        {
            return Err(err(
                "tokens must go from the longest period to the shortest".to_owned(),
            ));
        }
        Ok(CalVer {
            raw: format.to_owned(),
            tokens,
        })
    }

    /// The format as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    fn has_week(&self) -> bool {
        self.tokens.contains(&Token::Week)
    }

    fn value(&self, token: Token, date: Date) -> Result<Option<u64>> {
        let year = if self.has_week() {
            date.iso_week_date().year()
        } else {
            date.year()
        };
        let v = match token {
            Token::FullYear => i64::from(year),
            Token::ShortYear => i64::from(year) - 2000,
            Token::Month => i64::from(date.month()),
            Token::Week => i64::from(date.iso_week_date().week()),
            Token::Day => i64::from(date.day()),
            Token::Patch => return Ok(None),
        };
        u64::try_from(v).map(Some).map_err(|_| Error::CalVerDate {
            format: self.raw.clone(),
            date: date.to_string(),
        })
    }

    /// The version of the first release on `date`: the date's numbers and a
    /// `PATCH` of 0.
    ///
    /// # Errors
    ///
    /// [`Error::CalVerDate`] when the date does not fit (`YY` before 2000).
    pub fn for_date(&self, date: Date) -> Result<Version> {
        let [a, b, c] = self.tokens;
        Ok(Version::new(
            self.value(a, date)?.unwrap_or(0),
            self.value(b, date)?.unwrap_or(0),
            self.value(c, date)?.unwrap_or(0),
        ))
    }

    /// The next release on `today` after `current`.
    ///
    /// A new period starts at `PATCH` 0; a release in the same period as
    /// `current` increments `PATCH`. A `current` that is ahead of `today`
    /// (a clock behind the last release) is never gone back on: `PATCH`
    /// increments.
    ///
    /// # Errors
    ///
    /// [`Error::CalVerExhausted`] when the format has no `PATCH` and the
    /// period is released already; [`Error::CalVerDate`] as for
    /// [`CalVer::for_date`]; [`Error::Overflow`].
    pub fn next(&self, current: Option<&Version>, today: Date) -> Result<Version> {
        let candidate = self.for_date(today)?;
        let Some(current) = current else {
            return Ok(candidate);
        };
        let current_base = Version::new(current.major, current.minor, current.patch);
        if candidate > current_base {
            return Ok(candidate);
        }
        if self.tokens[2] != Token::Patch {
            return Err(Error::CalVerExhausted {
                format: self.raw.clone(),
                version: current.clone(),
            });
        }
        if !current.pre.is_empty() && candidate == current_base {
            // 2026.11.0-rc.1 was released; the release itself is 2026.11.0.
            return Ok(candidate);
        }
        let patch = current
            .patch
            .checked_add(1)
            .ok_or_else(|| Error::Overflow {
                version: current.clone(),
                part: "patch",
            })?;
        Ok(Version::new(current.major, current.minor, patch))
    }
}

impl FromStr for CalVer {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        CalVer::new(s)
    }
}

impl fmt::Display for CalVer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn formats() {
        for bad in [
            "MM.YYYY.PATCH",
            "YYYY.PATCH.MM",
            "YYYY.MM",
            "YYYY.0M.PATCH",
            "YYYY.DD.MM",
            "YYYY.MM.MM",
            "YYYY.MM.PATCH.X",
        ] {
            let e = CalVer::new(bad).unwrap_err().to_string();
            assert!(e.contains(bad), "{e}");
        }
        for good in [
            "YYYY.MM.PATCH",
            "YY.MM.PATCH",
            "YYYY.WW.PATCH",
            "YYYY.MM.DD",
            "YY.MM.MICRO",
        ] {
            CalVer::new(good).unwrap();
        }
    }

    #[test]
    fn iso_week_year_at_new_year() {
        let f = CalVer::new("YYYY.WW.PATCH").unwrap();
        // 2027-01-01 is a Friday in ISO week 53 of 2026.
        assert_eq!(
            f.for_date(date(2027, 1, 1)).unwrap(),
            Version::new(2026, 53, 0)
        );
        assert_eq!(
            f.for_date(date(2027, 1, 4)).unwrap(),
            Version::new(2027, 1, 0)
        );
    }

    #[test]
    fn short_year_and_day() {
        let f = CalVer::new("YY.MM.DD").unwrap();
        let v = f.next(None, date(2026, 3, 9)).unwrap();
        assert_eq!(v, Version::new(26, 3, 9));
        assert!(matches!(
            f.next(Some(&v), date(2026, 3, 9)),
            Err(Error::CalVerExhausted { .. })
        ));
        assert!(matches!(
            f.for_date(date(1999, 1, 1)),
            Err(Error::CalVerDate { .. })
        ));
    }

    #[test]
    fn never_backwards() {
        let f = CalVer::new("YYYY.MM.PATCH").unwrap();
        let ahead = Version::new(2026, 12, 4);
        assert_eq!(
            f.next(Some(&ahead), date(2026, 11, 1)).unwrap(),
            Version::new(2026, 12, 5)
        );
        let rc = Version::parse("2026.11.0-rc.1").unwrap();
        assert_eq!(
            f.next(Some(&rc), date(2026, 11, 2)).unwrap(),
            Version::new(2026, 11, 0)
        );
    }
}
