//! Deterministic JSON: object keys sorted, no insignificant whitespace.

use serde_json::Value;

/// Serialize `value` with every object's keys sorted (whatever map type
/// `serde_json` was built with), compactly.
pub fn canonical(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write(value, &mut out);
    out
}

/// Serialize any `Serialize` value canonically.
pub fn to_canonical<T: serde::Serialize>(value: &T, what: &str) -> crate::Result<Vec<u8>> {
    let v = serde_json::to_value(value).map_err(|e| crate::Error::decode(what, e))?;
    Ok(canonical(&v))
}

fn write(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(k, out);
                out.push(b':');
                if let Some(v) = map.get(k.as_str()) {
                    write(v, out);
                }
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(v, out);
            }
            out.push(b']');
        }
        Value::String(s) => write_str(s, out),
        other => out.extend_from_slice(other.to_string().as_bytes()),
    }
}

fn write_str(s: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(Value::String(s.to_owned()).to_string().as_bytes());
}

#[cfg(test)]
mod tests {
    #[test]
    fn sorted() {
        let v: serde_json::Value =
            serde_json::from_str(r#"{"b":1,"a":{"d":[1,"x\n"],"c":null}}"#).unwrap();
        assert_eq!(
            String::from_utf8(super::canonical(&v)).unwrap(),
            r#"{"a":{"c":null,"d":[1,"x\n"]},"b":1}"#
        );
    }
}
