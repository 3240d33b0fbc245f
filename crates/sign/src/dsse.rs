//! DSSE envelopes (Dead Simple Signing Envelope v1): PAE, signing with one or more
//! keys, and verification against a [`TrustPolicy`].

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

use crate::keys::{PublicKey, SecretKey, Signature};
use crate::{Error, Result};

/// The payloadType of in-toto attestations.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// The Pre-Authentication Encoding of DSSE v1:
/// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths as ASCII decimal byte counts.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let t = payload_type.len().to_string();
    let b = payload.len().to_string();
    let mut out = Vec::with_capacity(10 + t.len() + b.len() + payload_type.len() + payload.len());
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(t.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(b.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// Decode base64 as DSSE requires verifiers to: standard or URL-safe alphabet, padded or not.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    [&STANDARD, &URL_SAFE, &STANDARD_NO_PAD, &URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
}

/// One signature of an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeSignature {
    /// The key id hint (empty when unset). Never trusted: only the key decides.
    pub keyid: String,
    /// The signature bytes (64 for Ed25519; other lengths are kept and fail verification).
    pub sig: Vec<u8>,
}

/// A DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The payload type (authenticated by the signatures).
    pub payload_type: String,
    /// The payload bytes.
    pub payload: Vec<u8>,
    /// The signatures over `PAE(payload_type, payload)`.
    pub signatures: Vec<EnvelopeSignature>,
}

#[derive(Serialize, Deserialize)]
struct WireSignature {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    keyid: String,
    sig: String,
}

#[derive(Serialize, Deserialize)]
struct WireEnvelope {
    payload: String,
    #[serde(rename = "payloadType")]
    payload_type: String,
    signatures: Vec<WireSignature>,
}

impl Envelope {
    /// Sign `payload` of `payload_type` with every key in `keys` (in order); each
    /// signature carries the key's [`PublicKey::key_id`].
    pub fn sign(payload_type: &str, payload: Vec<u8>, keys: &[&SecretKey]) -> Self {
        let message = pae(payload_type, &payload);
        let signatures = keys
            .iter()
            .map(|k| EnvelopeSignature {
                keyid: k.public_key().key_id(),
                sig: k.sign(&message).to_bytes().to_vec(),
            })
            .collect();
        Self {
            payload_type: payload_type.to_owned(),
            payload,
            signatures,
        }
    }

    /// Parse the JSON form. Unknown fields are ignored, as the spec requires;
    /// `payload` and `sig` may be standard or URL-safe base64. `input` names it in errors.
    pub fn from_json(json: &[u8], input: &str) -> Result<Self> {
        let wire: WireEnvelope =
            serde_json::from_slice(json).map_err(|e| Error::MalformedEnvelope {
                input: input.to_owned(),
                reason: e.to_string(),
            })?;
        let bad = |what: &str| Error::MalformedEnvelope {
            input: input.to_owned(),
            reason: format!("{what} is not base64"),
        };
        let payload = decode_base64(&wire.payload).ok_or_else(|| bad("payload"))?;
        let signatures = wire
            .signatures
            .into_iter()
            .map(|s| {
                Ok(EnvelopeSignature {
                    sig: decode_base64(&s.sig).ok_or_else(|| bad("a signature"))?,
                    keyid: s.keyid,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            payload_type: wire.payload_type,
            payload,
            signatures,
        })
    }

    /// The JSON form (standard base64, fields in a fixed order, pretty-printed when `pretty`).
    pub fn to_json(&self, pretty: bool) -> String {
        let wire = WireEnvelope {
            payload: STANDARD.encode(&self.payload),
            payload_type: self.payload_type.clone(),
            signatures: self
                .signatures
                .iter()
                .map(|s| WireSignature {
                    keyid: s.keyid.clone(),
                    sig: STANDARD.encode(&s.sig),
                })
                .collect(),
        };
        let out = if pretty {
            serde_json::to_string_pretty(&wire)
        } else {
            serde_json::to_string(&wire)
        };
        // Serializing strings and a list of structs of strings cannot fail.
        out.unwrap_or_default()
    }
}

/// Who must have signed an envelope, and what it must contain.
#[derive(Debug, Clone)]
pub struct TrustPolicy {
    keys: Vec<(String, PublicKey)>,
    threshold: usize,
    payload_type: String,
}

/// What a successful verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The payload (now authenticated).
    pub payload: Vec<u8>,
    /// The payload type.
    pub payload_type: String,
    /// The names of the distinct trusted keys whose signatures verified, in policy order.
    pub signed_by: Vec<String>,
}

impl TrustPolicy {
    /// A policy: `threshold` distinct keys among `keys` (name, key) must have signed, and
    /// the payloadType must be `payload_type`. A key listed twice (under any names) counts once.
    pub fn new(
        keys: Vec<(String, PublicKey)>,
        threshold: usize,
        payload_type: &str,
    ) -> Result<Self> {
        let distinct: BTreeSet<[u8; 32]> = keys.iter().map(|(_, k)| k.to_bytes()).collect();
        if threshold == 0 {
            return Err(Error::Policy {
                reason: "threshold must be at least 1".to_owned(),
            });
        }
        if threshold > distinct.len() {
            return Err(Error::Policy {
                reason: format!(
                    "threshold {threshold} is more than the {} distinct trusted key(s)",
                    distinct.len()
                ),
            });
        }
        Ok(Self {
            keys,
            threshold,
            payload_type: payload_type.to_owned(),
        })
    }

    /// Verify `envelope`: its payloadType must be the expected one, and signatures by at
    /// least `threshold` distinct trusted keys must verify (strictly) over the PAE.
    /// Signatures that do not verify, or come from unknown keys, are skipped, not fatal.
    pub fn verify(&self, envelope: &Envelope) -> Result<Verified> {
        if envelope.payload_type != self.payload_type {
            return Err(Error::PayloadType {
                expected: self.payload_type.clone(),
                found: envelope.payload_type.clone(),
            });
        }
        let message = pae(&envelope.payload_type, &envelope.payload);
        let mut seen: BTreeSet<[u8; 32]> = BTreeSet::new();
        let mut signed_by = Vec::new();
        for (name, key) in &self.keys {
            if seen.contains(&key.to_bytes()) {
                continue;
            }
            let ok = envelope.signatures.iter().any(|s| {
                Signature::from_slice(&s.sig, "")
                    .and_then(|sig| key.verify(&message, &sig, ""))
                    .is_ok()
            });
            if ok {
                seen.insert(key.to_bytes());
                signed_by.push(name.clone());
            }
        }
        if signed_by.len() < self.threshold {
            return Err(Error::ThresholdNotMet {
                threshold: self.threshold,
                found: signed_by.len(),
            });
        }
        Ok(Verified {
            payload: envelope.payload.clone(),
            payload_type: envelope.payload_type.clone(),
            signed_by,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_spec_example() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
    }
}
