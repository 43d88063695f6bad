use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The server's secret, used to key the hashes of stored tokens so that a
/// database dump alone cannot be matched against guessed tokens.
#[derive(Clone)]
pub struct ServerKey([u8; 32]);

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey(<redacted>)")
    }
}

pub const SERVER_KEY_LEN: usize = 32;

impl ServerKey {
    pub fn from_bytes(bytes: [u8; SERVER_KEY_LEN]) -> Self {
        ServerKey(bytes)
    }

    pub fn generate() -> Self {
        let mut bytes = [0u8; SERVER_KEY_LEN];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        ServerKey(bytes)
    }

    pub fn to_bytes(&self) -> [u8; SERVER_KEY_LEN] {
        self.0
    }

    /// The value stored in place of a token: HMAC-SHA-256, hex.
    pub fn token_hash(&self, token: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts any key length");
        mac.update(token.as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

/// A fresh 256-bit token from the operating system's CSPRNG, base64url.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// True when the text has the shape of a token from [`new_token`]; anything
/// else is refused before it reaches the database.
pub fn looks_like_token(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_well_formed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(looks_like_token(&a));
        assert!(!looks_like_token("short"));
        assert!(!looks_like_token(&format!("{}'", &a[..42])));
    }

    #[test]
    fn hashes_depend_on_the_key() {
        let token = new_token();
        let key = ServerKey::generate();
        assert_eq!(key.token_hash(&token), key.token_hash(&token));
        assert_ne!(
            key.token_hash(&token),
            ServerKey::generate().token_hash(&token)
        );
        assert_eq!(key.token_hash(&token).len(), 64);
    }

    #[test]
    fn debug_never_shows_the_key() {
        assert_eq!(
            format!("{:?}", ServerKey::from_bytes([7; 32])),
            "ServerKey(<redacted>)"
        );
    }
}
