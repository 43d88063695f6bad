//! Password hashing with argon2id, off the async runtime and bounded, plus
//! the server-only dictionary check.

use std::sync::Arc;

use argon2::password_hash::{rand_core::OsRng, PasswordHash as ParsedHash, SaltString};
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use tokio::sync::Semaphore;

use crate::config::Argon2Params;
use crate::error::ServiceError;

/// A PHC-format argon2 hash. Not `Serialize`, and `Debug` hides it, so it
/// cannot leak into a response or a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    pub fn from_stored(phc: String) -> Self {
        PasswordHash(phc)
    }

    pub fn as_phc(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    No,
    Yes,
    /// Correct, and the hash should be replaced by this one made with the
    /// current parameters.
    YesRehashed(PasswordHash),
}

#[derive(Clone)]
pub struct PasswordHasher {
    params: Argon2Params,
    permits: Arc<Semaphore>,
    /// Verified when the account does not exist, so that an unknown address
    /// costs the same time as a wrong password.
    dummy: PasswordHash,
}

impl PasswordHasher {
    pub fn new(params: Argon2Params, max_concurrent: usize) -> Result<Self, ServiceError> {
        let dummy = hash_blocking(&params, "latchkey-timing-equaliser")?;
        Ok(PasswordHasher {
            params,
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            dummy,
        })
    }

    pub async fn hash(&self, password: &str) -> Result<PasswordHash, ServiceError> {
        let params = self.params;
        let password = password.to_owned();
        self.run(move || hash_blocking(&params, &password)).await?
    }

    /// Verifies against `stored`, or against the dummy hash when there is no
    /// account, so both cost the same.
    pub async fn verify(
        &self,
        password: &str,
        stored: Option<&PasswordHash>,
    ) -> Result<Verified, ServiceError> {
        let params = self.params;
        let password = password.to_owned();
        let real = stored.is_some();
        let stored = stored.unwrap_or(&self.dummy).clone();
        let outcome = self
            .run(move || -> Result<Verified, ServiceError> {
                let parsed = ParsedHash::new(stored.as_phc())
                    .map_err(|e| ServiceError::Internal(format!("stored hash unreadable: {e}")))?;
                if argon2_with(&params)?
                    .verify_password(password.as_bytes(), &parsed)
                    .is_err()
                {
                    return Ok(Verified::No);
                }
                if uses_params(&parsed, &params) {
                    Ok(Verified::Yes)
                } else {
                    Ok(Verified::YesRehashed(hash_blocking(&params, &password)?))
                }
            })
            .await??;
        Ok(if real { outcome } else { Verified::No })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ServiceError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| ServiceError::Internal("hasher closed".into()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ServiceError::Internal(format!("hash task failed: {e}")))
    }
}

fn argon2_with(params: &Argon2Params) -> Result<Argon2<'static>, ServiceError> {
    let params = Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        None,
    )
    .map_err(|e| ServiceError::Internal(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_blocking(params: &Argon2Params, password: &str) -> Result<PasswordHash, ServiceError> {
    let salt = SaltString::generate(&mut OsRng);
    let phc = argon2_with(params)?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| ServiceError::Internal(format!("hashing failed: {e}")))?
        .to_string();
    Ok(PasswordHash(phc))
}

fn uses_params(parsed: &ParsedHash<'_>, wanted: &Argon2Params) -> bool {
    let Ok(actual) = Params::try_from(parsed) else {
        return false;
    };
    parsed.algorithm.as_str() == "argon2id"
        && actual.m_cost() == wanted.memory_kib
        && actual.t_cost() == wanted.iterations
        && actual.p_cost() == wanted.parallelism
}

/// zxcvbn scores 0–4; below this a password is among the common or easily
/// guessed ones (dictionary words, keyboard walks, "Password123!").
const MIN_GUESS_SCORE: zxcvbn::Score = zxcvbn::Score::Three;

/// True when the password is common or guessable, taking the account's own
/// words (address, name) into account.
pub fn is_guessable(password: &str, personal_words: &[&str]) -> bool {
    zxcvbn::zxcvbn(password, personal_words).score() < MIN_GUESS_SCORE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Argon2Params {
        Argon2Params {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        }
    }

    #[tokio::test]
    async fn verifies_and_refuses() {
        let hasher = PasswordHasher::new(cheap(), 2).unwrap();
        let hash = hasher.hash("Correct-Horse-42").await.unwrap();
        assert!(hash.as_phc().starts_with("$argon2id$"));
        assert_eq!(
            hasher
                .verify("Correct-Horse-42", Some(&hash))
                .await
                .unwrap(),
            Verified::Yes
        );
        assert_eq!(
            hasher
                .verify("correct-horse-42", Some(&hash))
                .await
                .unwrap(),
            Verified::No
        );
    }

    #[tokio::test]
    async fn salts_are_unique() {
        let hasher = PasswordHasher::new(cheap(), 2).unwrap();
        assert_ne!(
            hasher.hash("same").await.unwrap(),
            hasher.hash("same").await.unwrap()
        );
    }

    #[tokio::test]
    async fn unknown_accounts_never_verify_even_with_the_dummy_password() {
        let hasher = PasswordHasher::new(cheap(), 2).unwrap();
        assert_eq!(
            hasher
                .verify("latchkey-timing-equaliser", None)
                .await
                .unwrap(),
            Verified::No
        );
    }

    #[tokio::test]
    async fn rehashes_when_parameters_change() {
        let old = PasswordHasher::new(cheap(), 1).unwrap();
        let hash = old.hash("Correct-Horse-42").await.unwrap();
        let new_params = Argon2Params {
            memory_kib: 128,
            ..cheap()
        };
        let new = PasswordHasher::new(new_params, 1).unwrap();
        match new.verify("Correct-Horse-42", Some(&hash)).await.unwrap() {
            Verified::YesRehashed(rehashed) => {
                assert!(rehashed.as_phc().contains("m=128"));
                assert_eq!(
                    new.verify("Correct-Horse-42", Some(&rehashed))
                        .await
                        .unwrap(),
                    Verified::Yes
                );
            }
            other => panic!("expected a rehash, got {other:?}"),
        }
    }

    #[test]
    fn hash_debug_is_redacted() {
        let hash = PasswordHash::from_stored("$argon2id$secret".into());
        assert!(!format!("{hash:?}").contains("secret"));
    }

    #[test]
    fn common_passwords_are_guessable() {
        assert!(is_guessable("Password123!", &[]));
        assert!(is_guessable("Qwerty123456!", &[]));
        assert!(is_guessable("Adalovelace1!", &["adalovelace"]));
        assert!(!is_guessable("Tangerine-Kayak-Violet-72", &[]));
    }
}
