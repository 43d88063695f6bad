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

/// Why a sealed value could not be opened: a different key, another
/// account's value, or damage. Deliberately says nothing more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("sealed value cannot be opened")]
pub struct SealError;

const NONCE_LEN: usize = 24;

impl ServerKey {
    /// A key for one purpose, derived from the server key, so that no two
    /// uses share key material.
    fn derived(&self, purpose: &str) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts any key length");
        mac.update(b"latchkey derived key v1\0");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Encrypts and authenticates `plain` (XChaCha20-Poly1305, random nonce)
    /// under the key for `purpose`; `bound_to` (say, the account id) must be
    /// given again to open it, so a sealed value moved to another row fails.
    pub fn seal(&self, purpose: &str, bound_to: &[u8], plain: &[u8]) -> String {
        use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, Payload};
        use chacha20poly1305::XChaCha20Poly1305;
        let cipher = XChaCha20Poly1305::new(&self.derived(purpose).into());
        let nonce = XChaCha20Poly1305::generate_nonce(&mut rand::rngs::OsRng);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: bound_to,
                },
            )
            .expect("encryption of a short value cannot fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        URL_SAFE_NO_PAD.encode(out)
    }

    pub fn open(&self, purpose: &str, bound_to: &[u8], sealed: &str) -> Result<Vec<u8>, SealError> {
        use chacha20poly1305::aead::{Aead, KeyInit, Payload};
        use chacha20poly1305::{XChaCha20Poly1305, XNonce};
        let bytes = URL_SAFE_NO_PAD.decode(sealed).map_err(|_| SealError)?;
        if bytes.len() < NONCE_LEN {
            return Err(SealError);
        }
        let (nonce, body) = bytes.split_at(NONCE_LEN);
        XChaCha20Poly1305::new(&self.derived(purpose).into())
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: bound_to,
                },
            )
            .map_err(|_| SealError)
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
    fn sealed_values_open_only_with_the_same_key_purpose_and_binding() {
        let key = ServerKey::generate();
        let sealed = key.seal("totp", b"42", b"secret bytes");
        assert!(!sealed.contains("secret"));
        assert_eq!(key.open("totp", b"42", &sealed).unwrap(), b"secret bytes");
        assert_eq!(
            ServerKey::generate().open("totp", b"42", &sealed),
            Err(SealError),
            "another key"
        );
        assert_eq!(
            key.open("totp", b"43", &sealed),
            Err(SealError),
            "another account"
        );
        assert_eq!(
            key.open("other", b"42", &sealed),
            Err(SealError),
            "another purpose"
        );
        assert_eq!(key.open("totp", b"42", "not sealed"), Err(SealError));
        assert_ne!(
            key.seal("totp", b"42", b"secret bytes"),
            sealed,
            "a fresh nonce every time"
        );
    }

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
