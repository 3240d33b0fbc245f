//! Observations: what a metric provider answered, and the metric series the
//! simulator reads them from.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::{Error, Result};

/// What a metric provider answered for one query.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Observation {
    /// One number.
    Scalar(f64),
    /// Several numbers (a Prometheus vector, a window of samples).
    Vector(Vec<f64>),
    /// The provider failed; the reason is kept.
    Error(String),
    /// The provider answered, with no data.
    NoData,
}

/// How a metric is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// The latest value at or before the time of the query.
    Latest,
    /// The time-weighted mean over the window ending at the time of the query.
    Mean(Duration),
    /// Every sample taken in the window `[now - window, now]`.
    Samples(Duration),
}

/// One question to a metric provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query<'a> {
    /// The series name (the metric's name, or the series a check names).
    pub series: &'a str,
    /// How to read it.
    pub aggregate: Aggregate,
    /// The time of the measurement.
    pub now: Duration,
}

/// Where observations come from. The rollout asks; the caller answers from
/// whatever it has (Prometheus, a test table, [`MetricSeries`]). Answers
/// must depend only on the query for the rollout to stay deterministic.
pub trait MetricSource {
    /// Answers one query.
    fn observe(&self, query: &Query<'_>) -> Observation;
}

impl<F: Fn(&Query<'_>) -> Observation> MetricSource for F {
    fn observe(&self, query: &Query<'_>) -> Observation {
        self(query)
    }
}

/// One point of a series: from `at` on, the series holds `value` (until the
/// next point).
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// When the value starts to hold.
    pub at: Duration,
    /// The value: numbers, an error or no data.
    pub value: Observation,
}

/// Scripted metric series by name, as step functions of time: a value holds
/// from its time until the next one.
///
/// ```
/// use std::time::Duration;
/// use relkit_deploy::{MetricSeries, MetricSource, Observation, Query, Aggregate};
/// let m = MetricSeries::from_csv("time_seconds,metric,value\n0,success-rate,0.99\n60,success-rate,0.5\n")?;
/// let q = |t| Query { series: "success-rate", aggregate: Aggregate::Latest, now: Duration::from_secs(t) };
/// assert_eq!(m.observe(&q(59)), Observation::Scalar(0.99));
/// assert_eq!(m.observe(&q(60)), Observation::Scalar(0.5));
/// # Ok::<(), relkit_deploy::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricSeries {
    series: BTreeMap<String, Vec<Point>>,
}

impl MetricSeries {
    /// No series at all.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a point (kept sorted by time; a later push at the same time wins).
    pub fn push(&mut self, series: &str, at: Duration, value: Observation) -> &mut Self {
        let points = self.series.entry(series.to_owned()).or_default();
        let idx = points.partition_point(|p| p.at <= at);
        points.insert(idx, Point { at, value });
        self
    }

    /// Adds a numeric point (builder style).
    pub fn with(mut self, series: &str, at_secs: u64, value: f64) -> Self {
        self.push(
            series,
            Duration::from_secs(at_secs),
            Observation::Scalar(value),
        );
        self
    }

    /// The names of the series, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.series.keys().map(String::as_str)
    }

    /// The points of one series, sorted by time.
    pub fn points(&self, series: &str) -> &[Point] {
        self.series.get(series).map_or(&[], Vec::as_slice)
    }

    /// Reads CSV with the header `time_seconds,metric,value`. A value is a
    /// number (`NaN` allowed), `error` or `error: reason` (the provider failed), or
    /// `nodata`. Blank lines and lines starting with `#` are skipped.
    pub fn from_csv(text: &str) -> Result<Self> {
        let mut out = Self::new();
        let mut lines = text.lines().enumerate().filter(|(_, l)| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#')
        });
        let header = lines.next().map(|(_, l)| l.trim().replace(' ', ""));
        if header.as_deref() != Some("time_seconds,metric,value") {
            return Err(Error::parse(
                "metrics CSV",
                "the first line must be the header time_seconds,metric,value",
            ));
        }
        for (i, line) in lines {
            let what = || format!("metrics CSV line {}", i + 1);
            let mut cells = line.splitn(3, ',').map(str::trim);
            let (Some(t), Some(name), Some(value)) = (cells.next(), cells.next(), cells.next())
            else {
                return Err(Error::parse(
                    what(),
                    "expected three cells: time_seconds,metric,value",
                ));
            };
            let at = parse_time(t).map_err(|r| Error::parse(what(), r))?;
            if name.is_empty() {
                return Err(Error::parse(what(), "the metric name is empty"));
            }
            let value = parse_cell(value).map_err(|r| Error::parse(what(), r))?;
            out.push(name, at, value);
        }
        Ok(out)
    }

    /// Reads JSON: an object from metric name to a list of points, each
    /// `{"t": seconds, "value": V}` or `[seconds, V]`, where V is a number,
    /// a list of numbers, `null` (no data) or `{"error": "reason"}`.
    #[cfg(feature = "serde")]
    pub fn from_json(text: &str) -> Result<Self> {
        use serde_json::Value as J;
        let root: J =
            serde_json::from_str(text).map_err(|e| Error::parse("metrics JSON", e.to_string()))?;
        let J::Object(map) = root else {
            return Err(Error::parse(
                "metrics JSON",
                "expected an object from metric name to a list of points",
            ));
        };
        let mut out = Self::new();
        for (name, points) in map {
            let J::Array(points) = points else {
                return Err(Error::parse(
                    format!("metrics JSON series {name:?}"),
                    "expected a list of points",
                ));
            };
            for (i, p) in points.into_iter().enumerate() {
                let what = || format!("metrics JSON series {name:?} point {i}");
                let (t, v) = match p {
                    J::Array(mut pair) if pair.len() == 2 => {
                        let v = pair.pop().unwrap_or(J::Null);
                        (pair.pop().unwrap_or(J::Null), v)
                    }
                    J::Object(mut obj) => {
                        let t = obj
                            .remove("t")
                            .or_else(|| obj.remove("time_seconds"))
                            .unwrap_or(J::Null);
                        let v = obj.remove("value").unwrap_or(J::Null);
                        if let Some(k) = obj.keys().next() {
                            return Err(Error::parse(
                                what(),
                                format!("unknown field {k:?} (expected t and value)"),
                            ));
                        }
                        (t, v)
                    }
                    _ => {
                        return Err(Error::parse(
                            what(),
                            "expected {\"t\": seconds, \"value\": ...} or [seconds, value]",
                        ));
                    }
                };
                let at = t
                    .as_f64()
                    .filter(|s| *s >= 0.0 && s.is_finite())
                    .map(Duration::from_secs_f64)
                    .ok_or_else(|| {
                        Error::parse(what(), "the time must be a number of seconds ≥ 0")
                    })?;
                let value = match v {
                    J::Null => Observation::NoData,
                    J::Number(n) => Observation::Scalar(n.as_f64().unwrap_or(f64::NAN)),
                    J::Array(xs) => Observation::Vector(
                        xs.iter()
                            .map(|x| {
                                x.as_f64().ok_or_else(|| {
                                    Error::parse(what(), "a list value must hold only numbers")
                                })
                            })
                            .collect::<Result<_>>()?,
                    ),
                    J::Object(o) => match o.get("error") {
                        Some(J::String(reason)) => Observation::Error(reason.clone()),
                        _ => {
                            return Err(Error::parse(
                                what(),
                                "an object value must be {\"error\": \"reason\"}",
                            ));
                        }
                    },
                    J::String(s) => parse_cell(&s).map_err(|r| Error::parse(what(), r))?,
                    J::Bool(_) => {
                        return Err(Error::parse(what(), "a value cannot be true or false"));
                    }
                };
                out.push(&name, at, value);
            }
        }
        Ok(out)
    }

    /// Reads either format: JSON when the text starts with `{`, CSV otherwise.
    pub fn parse(text: &str) -> Result<Self> {
        #[cfg(feature = "serde")]
        if text.trim_start().starts_with('{') {
            return Self::from_json(text);
        }
        Self::from_csv(text)
    }
}

fn parse_time(t: &str) -> std::result::Result<Duration, String> {
    t.parse::<f64>()
        .ok()
        .filter(|s| *s >= 0.0 && s.is_finite() && *s < 1e15)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("time {t:?} is not a number of seconds ≥ 0"))
}

fn parse_cell(v: &str) -> std::result::Result<Observation, String> {
    let lower = v.to_ascii_lowercase();
    if lower == "nodata" || lower.is_empty() {
        return Ok(Observation::NoData);
    }
    if lower == "error" {
        return Ok(Observation::Error("the provider failed".to_owned()));
    }
    if let Some(reason) = lower.strip_prefix("error:") {
        return Ok(Observation::Error(reason.trim().to_owned()));
    }
    v.parse::<f64>()
        .map(Observation::Scalar)
        .map_err(|_| format!("value {v:?} is not a number, `error` or `nodata`"))
}

fn numbers(o: &Observation) -> Option<&[f64]> {
    match o {
        Observation::Scalar(x) => Some(std::slice::from_ref(x)),
        Observation::Vector(v) => Some(v),
        Observation::Error(_) | Observation::NoData => None,
    }
}

impl MetricSource for MetricSeries {
    fn observe(&self, q: &Query<'_>) -> Observation {
        let points = self.points(q.series);
        let upto = points.partition_point(|p| p.at <= q.now);
        let (Some(head), Some(last)) = (
            points.get(..upto),
            upto.checked_sub(1).and_then(|i| points.get(i)),
        ) else {
            return Observation::NoData;
        };
        match q.aggregate {
            Aggregate::Latest => last.value.clone(),
            Aggregate::Samples(window) => {
                let from = q.now.saturating_sub(window);
                let mut out = Vec::new();
                for p in head.iter().filter(|p| p.at >= from) {
                    match &p.value {
                        Observation::Error(e) => return Observation::Error(e.clone()),
                        other => out.extend_from_slice(numbers(other).unwrap_or(&[])),
                    }
                }
                if out.is_empty() {
                    Observation::NoData
                } else {
                    Observation::Vector(out)
                }
            }
            Aggregate::Mean(window) => {
                let from = q.now.saturating_sub(window);
                if window.is_zero() {
                    return last.value.clone();
                }
                // Time-weighted mean of the step function over [from, now],
                // counting only the time covered by numeric data.
                let mut weighted = 0.0;
                let mut covered = 0.0;
                for (i, p) in head.iter().enumerate() {
                    let end = head.get(i + 1).map_or(q.now, |n| n.at);
                    let start = p.at.max(from);
                    if end <= start {
                        continue;
                    }
                    let span = (end - start).as_secs_f64();
                    match &p.value {
                        Observation::Error(e) if end > from => {
                            return Observation::Error(e.clone());
                        }
                        other => {
                            if let Some(xs) = numbers(other).filter(|xs| !xs.is_empty()) {
                                let mean = xs.iter().sum::<f64>() / xs.len() as f64;
                                weighted += mean * span;
                                covered += span;
                            }
                        }
                    }
                }
                if covered > 0.0 {
                    Observation::Scalar(weighted / covered)
                } else {
                    // Only a point exactly at `now`: the latest value stands.
                    match numbers(&last.value) {
                        Some(xs) if !xs.is_empty() && last.at == q.now => {
                            Observation::Scalar(xs.iter().sum::<f64>() / xs.len() as f64)
                        }
                        _ => Observation::NoData,
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(series: &str, aggregate: Aggregate, t: u64) -> Query<'_> {
        Query {
            series,
            aggregate,
            now: Duration::from_secs(t),
        }
    }

    #[test]
    fn csv_step_function() {
        let m = MetricSeries::from_csv(
            "time_seconds,metric,value\n# comment\n0,a,1\n10,a,3\n20,a,error: boom\n30,a,nodata\n",
        )
        .unwrap();
        assert_eq!(
            m.observe(&q("a", Aggregate::Latest, 5)),
            Observation::Scalar(1.0)
        );
        assert_eq!(
            m.observe(&q("a", Aggregate::Latest, 25)),
            Observation::Error("boom".into())
        );
        assert_eq!(
            m.observe(&q("a", Aggregate::Latest, 31)),
            Observation::NoData
        );
        assert_eq!(
            m.observe(&q("b", Aggregate::Latest, 31)),
            Observation::NoData
        );
        // Mean over [0, 20): 10 s of 1 and 10 s of 3.
        assert_eq!(
            m.observe(&q("a", Aggregate::Mean(Duration::from_secs(20)), 20)),
            Observation::Scalar(2.0)
        );
        assert_eq!(
            m.observe(&q("a", Aggregate::Mean(Duration::from_secs(20)), 25)),
            Observation::Error("boom".into())
        );
        assert_eq!(
            m.observe(&q("a", Aggregate::Mean(Duration::from_secs(20)), 19)),
            Observation::Scalar((10.0 + 9.0 * 3.0) / 19.0)
        );
        assert_eq!(
            m.observe(&q("a", Aggregate::Samples(Duration::from_secs(15)), 15)),
            Observation::Vector(vec![1.0, 3.0])
        );
        assert!(MetricSeries::from_csv("t,m,v\n").is_err());
        assert!(MetricSeries::from_csv("time_seconds,metric,value\n-1,a,1\n").is_err());
        assert!(
            MetricSeries::from_csv("time_seconds,metric,value\n1,a,x\n")
                .unwrap_err()
                .to_string()
                .contains("line 2")
        );
    }

    #[cfg(feature = "serde")]
    #[test]
    fn json_forms() {
        let m = MetricSeries::parse(r#"{"lat": [[0, [1, 2]], {"t": 5, "value": null}, {"t": 6, "value": {"error": "x"}}, [7, 4.5]]}"#).unwrap();
        assert_eq!(
            m.observe(&q("lat", Aggregate::Latest, 0)),
            Observation::Vector(vec![1.0, 2.0])
        );
        assert_eq!(
            m.observe(&q("lat", Aggregate::Latest, 5)),
            Observation::NoData
        );
        assert_eq!(
            m.observe(&q("lat", Aggregate::Latest, 6)),
            Observation::Error("x".into())
        );
        assert_eq!(
            m.observe(&q("lat", Aggregate::Latest, 9)),
            Observation::Scalar(4.5)
        );
        assert!(MetricSeries::parse(r#"{"lat": [{"t": 1, "v": 2}]}"#).is_err());
    }
}
