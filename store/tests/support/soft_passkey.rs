//! A passkey in software, for the contract tests: just enough of an
//! authenticator (ES256 key, "none" attestation, signature counter, user
//! verification) to run real WebAuthn ceremonies against webauthn-rs and
//! answer them as a browser would post them.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// User present and user verified.
const FLAGS_UP_UV: u8 = 0x01 | 0x04;
/// …and attested credential data follows.
const FLAG_AT: u8 = 0x40;

pub struct SoftPasskey {
    key: SigningKey,
    credential_id: Vec<u8>,
    user_handle: Vec<u8>,
    /// What the next answer's counter is one more than.
    pub counter: u32,
    origin: String,
    rp_id: String,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A CBOR item head: major type and length or value.
fn cbor_head(major: u8, value: u64) -> Vec<u8> {
    let major = major << 5;
    match value {
        0..=23 => vec![major | value as u8],
        24..=0xff => vec![major | 24, value as u8],
        0x100..=0xffff => [vec![major | 25], (value as u16).to_be_bytes().to_vec()].concat(),
        _ => [vec![major | 26], (value as u32).to_be_bytes().to_vec()].concat(),
    }
}

fn cbor_int(value: i64) -> Vec<u8> {
    if value >= 0 {
        cbor_head(0, value as u64)
    } else {
        cbor_head(1, (-1 - value) as u64)
    }
}

fn cbor_bytes(bytes: &[u8]) -> Vec<u8> {
    [cbor_head(2, bytes.len() as u64), bytes.to_vec()].concat()
}

fn cbor_text(text: &str) -> Vec<u8> {
    [cbor_head(3, text.len() as u64), text.as_bytes().to_vec()].concat()
}

fn cbor_map(entries: Vec<(Vec<u8>, Vec<u8>)>) -> Vec<u8> {
    let mut out = cbor_head(5, entries.len() as u64);
    for (key, value) in entries {
        out.extend(key);
        out.extend(value);
    }
    out
}

fn challenge_of(options: &str) -> (Value, String) {
    let options: Value = serde_json::from_str(options).expect("options are JSON");
    let challenge = options["publicKey"]["challenge"]
        .as_str()
        .expect("a challenge")
        .to_owned();
    (options, challenge)
}

impl SoftPasskey {
    pub fn new(origin: &str, rp_id: &str) -> Self {
        SoftPasskey {
            key: SigningKey::random(&mut rand::thread_rng()),
            credential_id: rand::random::<[u8; 16]>().to_vec(),
            user_handle: Vec::new(),
            counter: 0,
            origin: origin.to_owned(),
            rp_id: rp_id.to_owned(),
        }
    }

    fn authenticator_data(&self, flags: u8) -> Vec<u8> {
        let mut data = Sha256::digest(self.rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend(self.counter.to_be_bytes());
        data
    }

    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        json!({ "type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": false })
            .to_string()
            .into_bytes()
    }

    /// Answers `navigator.credentials.create()` options.
    pub fn register(&mut self, options: &str) -> String {
        let (options, challenge) = challenge_of(options);
        self.user_handle = URL_SAFE_NO_PAD
            .decode(
                options["publicKey"]["user"]["id"]
                    .as_str()
                    .expect("a user id"),
            )
            .expect("base64url");
        let point = self.key.verifying_key().to_encoded_point(false);
        let cose_key = cbor_map(vec![
            (cbor_int(1), cbor_int(2)),
            (cbor_int(3), cbor_int(-7)),
            (cbor_int(-1), cbor_int(1)),
            (cbor_int(-2), cbor_bytes(point.x().expect("x"))),
            (cbor_int(-3), cbor_bytes(point.y().expect("y"))),
        ]);
        let mut data = self.authenticator_data(FLAGS_UP_UV | FLAG_AT);
        data.extend([0u8; 16]);
        data.extend((self.credential_id.len() as u16).to_be_bytes());
        data.extend(&self.credential_id);
        data.extend(cose_key);
        let attestation = cbor_map(vec![
            (cbor_text("fmt"), cbor_text("none")),
            (cbor_text("attStmt"), cbor_map(Vec::new())),
            (cbor_text("authData"), cbor_bytes(&data)),
        ]);
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "attestationObject": b64(&attestation),
                "clientDataJSON": b64(&self.client_data("webauthn.create", &challenge)),
                "transports": ["internal"],
            },
        })
        .to_string()
    }

    /// Answers `navigator.credentials.get()` options; the counter goes up.
    pub fn sign(&mut self, options: &str) -> String {
        let (_, challenge) = challenge_of(options);
        self.counter += 1;
        let data = self.authenticator_data(FLAGS_UP_UV);
        let client_data = self.client_data("webauthn.get", &challenge);
        let signed = [data.clone(), Sha256::digest(&client_data).to_vec()].concat();
        let signature: Signature = self.key.sign(&signed);
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64(&data),
                "clientDataJSON": b64(&client_data),
                "signature": b64(signature.to_der().as_bytes()),
                "userHandle": b64(&self.user_handle),
            },
        })
        .to_string()
    }
}
