//! Fuzz the analysis expression language: parsing any text, and evaluating
//! what parses against a few results, must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relkit_deploy::{Expr, MetricSeries, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The metrics CSV reader takes outside input too.
    let _ = MetricSeries::from_csv(text);
    let Ok(expr) = Expr::parse(text) else { return };
    for result in [
        Value::Nil,
        Value::Number(0.97),
        Value::Number(f64::NAN),
        Value::List(vec![]),
        Value::List(vec![Value::Number(1.0), Value::Number(-2.5)]),
    ] {
        let _ = expr.eval(&result);
        let _ = expr.eval_bool(&result);
    }
});
