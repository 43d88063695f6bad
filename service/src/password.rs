//! Password hashing with argon2id, off the async runtime and bounded, plus
//! the server-only dictionary check.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use argon2::password_hash::{rand_core::OsRng, PasswordHash as ParsedHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use subtle::ConstantTimeEq;

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

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of threads that do all the hashing. Requests beyond them
/// wait in the queue, so a sign-in flood costs waiting time, not memory; and
/// because the threads live as long as the server, each keeps reusing its
/// own allocator arena instead of a fresh thread (and arena) per hash.
struct HashPool {
    jobs: mpsc::Sender<Job>,
    /// Jobs sent but not yet taken by a thread.
    queued: Arc<AtomicUsize>,
}

impl HashPool {
    fn start(threads: usize) -> Result<Self, ServiceError> {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let queued = Arc::new(AtomicUsize::new(0));
        for index in 0..threads.max(1) {
            let receiver = Arc::clone(&receiver);
            let queued = Arc::clone(&queued);
            std::thread::Builder::new()
                .name(format!("argon2-{index}"))
                .spawn(move || {
                    yield_to_requests();
                    loop {
                        // The lock is released before the job runs.
                        let next = match receiver.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        let Ok(job) = next else { return };
                        queued.fetch_sub(1, Ordering::SeqCst);
                        // A panicking job must not take the thread with it.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                        // Under load the memory is reused by the next job; when
                        // nothing waits, it goes back to the system.
                        if queued.load(Ordering::SeqCst) == 0 {
                            release_working_memory();
                        }
                    }
                })
                .map_err(|e| ServiceError::Internal(format!("cannot start hashing thread: {e}")))?;
        }
        Ok(HashPool {
            jobs: sender,
            queued,
        })
    }

    fn submit(&self, job: Job) -> Result<(), ServiceError> {
        self.queued.fetch_add(1, Ordering::SeqCst);
        self.jobs.send(job).map_err(|_| {
            self.queued.fetch_sub(1, Ordering::SeqCst);
            ServiceError::Internal("hashing threads stopped".into())
        })
    }
}

#[derive(Clone)]
pub struct PasswordHasher {
    params: Argon2Params,
    pool: Arc<HashPool>,
    /// Verified when the account does not exist, so that an unknown address
    /// costs the same time as a wrong password.
    dummy: PasswordHash,
}

impl PasswordHasher {
    pub fn new(params: Argon2Params, max_concurrent: usize) -> Result<Self, ServiceError> {
        let pool = Arc::new(HashPool::start(max_concurrent)?);
        // Made on the pool, so no other thread keeps argon2's working memory.
        let (reply, answer) = mpsc::channel();
        pool.submit(Box::new(move || {
            let _ = reply.send(hash_blocking(&params, "latchkey-timing-equaliser"));
        }))?;
        let dummy = answer
            .recv()
            .map_err(|_| ServiceError::Internal("hash job failed".into()))??;
        Ok(PasswordHasher {
            params,
            pool,
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
                if !matches_stored(&parsed, &password)? {
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
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = reply.send(work());
        });
        self.pool.submit(job)?;
        answer
            .await
            .map_err(|_| ServiceError::Internal("hash job failed".into()))
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

/// Length of the hash output stored in the PHC string.
const OUTPUT_LEN: usize = 32;

thread_local! {
    /// argon2's working memory, kept per hashing thread and reused, so a
    /// flood of sign-ins does not churn 19 MiB allocations.
    static WORKING_MEMORY: RefCell<Option<WorkingMemory>> = const { RefCell::new(None) };
}

/// argon2's blocks for one hashing thread, mapped from the kernel rather
/// than taken from the global allocator: unmapping them gives the pages back
/// at once, whichever allocator the binary runs with. (An allocator that
/// keeps freed memory for its next request would otherwise hold on to every
/// hashing thread's 19 MiB after a flood, against the idle memory budget.)
#[cfg(unix)]
struct WorkingMemory {
    start: std::ptr::NonNull<Block>,
    blocks: usize,
}

#[cfg(unix)]
impl WorkingMemory {
    fn new(blocks: usize) -> Result<Self, ServiceError> {
        let bytes = blocks
            .checked_mul(std::mem::size_of::<Block>())
            .filter(|bytes| *bytes > 0)
            .ok_or_else(|| ServiceError::Internal("argon2 memory size out of range".into()))?;
        // SAFETY: a fresh anonymous private mapping; no existing memory is
        // touched, and the result is checked before use.
        let mapped = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                bytes,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if mapped == libc::MAP_FAILED {
            return Err(ServiceError::Internal(
                "cannot map argon2 working memory".into(),
            ));
        }
        let start = std::ptr::NonNull::new(mapped.cast::<Block>())
            .ok_or_else(|| ServiceError::Internal("cannot map argon2 working memory".into()))?;
        Ok(WorkingMemory { start, blocks })
    }

    fn len(&self) -> usize {
        self.blocks
    }

    fn blocks(&mut self) -> &mut [Block] {
        // SAFETY: the mapping holds `blocks` blocks, is page-aligned (more
        // than a block needs), starts zero-filled (any bytes are a valid
        // block: it is plain integers) and is only reachable through this
        // exclusive borrow until `drop` unmaps it.
        unsafe { std::slice::from_raw_parts_mut(self.start.as_ptr(), self.blocks) }
    }
}

#[cfg(unix)]
impl Drop for WorkingMemory {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `new`, which no borrow
        // outlives.
        unsafe {
            libc::munmap(
                self.start.as_ptr().cast(),
                self.blocks * std::mem::size_of::<Block>(),
            );
        }
    }
}

/// Elsewhere the blocks come from the global allocator.
#[cfg(not(unix))]
struct WorkingMemory(Vec<Block>);

#[cfg(not(unix))]
impl WorkingMemory {
    fn new(blocks: usize) -> Result<Self, ServiceError> {
        Ok(WorkingMemory(vec![Block::default(); blocks]))
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn blocks(&mut self) -> &mut [Block] {
        &mut self.0
    }
}

/// How much lower than the rest of the server the hashing threads run.
const HASHING_NICENESS: i32 = 10;

/// Lowers the calling hashing thread's scheduling priority, so that when a
/// sign-in flood keeps every core hashing, page requests still get a core
/// at once: the flood slows sign-ins (which queue anyway), not the pages.
/// The throughput of hashing alone is unchanged.
fn yield_to_requests() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: setpriority only reads its integer arguments; on Linux,
        // `who = 0` with PRIO_PROCESS names the calling thread alone.
        let status = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, HASHING_NICENESS) };
        if status != 0 {
            tracing::warn!("cannot lower the hashing threads' priority");
        }
    }
}

fn release_working_memory() {
    WORKING_MEMORY.with(|cell| *cell.borrow_mut() = None);
}

fn compute(
    argon2: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), ServiceError> {
    let needed = argon2.params().block_count();
    WORKING_MEMORY.with(|cell| {
        let mut slot = cell.borrow_mut();
        // Memory too small for these parameters is unmapped before more is mapped.
        let kept = slot.take().filter(|kept| kept.len() >= needed);
        let mut memory = match kept {
            Some(kept) => kept,
            None => WorkingMemory::new(needed)?,
        };
        let hashed = argon2.hash_password_into_with_memory(
            password,
            salt,
            out,
            &mut memory.blocks()[..needed],
        );
        *slot = Some(memory);
        hashed.map_err(|e| ServiceError::Internal(format!("hashing failed: {e}")))
    })
}

fn hash_blocking(params: &Argon2Params, password: &str) -> Result<PasswordHash, ServiceError> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_raw = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .map_err(|e| ServiceError::Internal(format!("salt unusable: {e}")))?;
    let mut out = [0u8; OUTPUT_LEN];
    compute(
        &argon2_with(params)?,
        password.as_bytes(),
        salt_raw,
        &mut out,
    )?;
    let phc = format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        params.memory_kib,
        params.iterations,
        params.parallelism,
        salt.as_str(),
        STANDARD_NO_PAD.encode(out)
    );
    Ok(PasswordHash(phc))
}

/// Recomputes the stored hash with its own parameters and compares in
/// constant time.
fn matches_stored(parsed: &ParsedHash<'_>, password: &str) -> Result<bool, ServiceError> {
    let unreadable = |what: &str| ServiceError::Internal(format!("stored hash unreadable: {what}"));
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(|_| unreadable("algorithm"))?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(|_| unreadable("version"))?
        .unwrap_or_default();
    let params = Params::try_from(parsed).map_err(|_| unreadable("parameters"))?;
    let expected = parsed.hash.ok_or_else(|| unreadable("no hash"))?;
    let mut salt_bytes = [0u8; 64];
    let salt = parsed
        .salt
        .ok_or_else(|| unreadable("no salt"))?
        .decode_b64(&mut salt_bytes)
        .map_err(|_| unreadable("salt"))?;
    let mut out = vec![0u8; expected.len()];
    compute(
        &Argon2::new(algorithm, version, params),
        password.as_bytes(),
        salt,
        &mut out,
    )?;
    Ok(bool::from(out.as_slice().ct_eq(expected.as_bytes())))
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
    fn hashes_are_standard_phc_strings_both_ways() {
        use argon2::{PasswordHasher as _, PasswordVerifier as _};
        let params = cheap();
        let ours = hash_blocking(&params, "Correct-Horse-42").unwrap();
        let parsed = ParsedHash::new(ours.as_phc()).unwrap();
        let standard = argon2_with(&params).unwrap();
        assert!(standard
            .verify_password(b"Correct-Horse-42", &parsed)
            .is_ok());
        assert!(standard
            .verify_password(b"Correct-Horse-43", &parsed)
            .is_err());

        let salt = SaltString::generate(&mut OsRng);
        let theirs = standard
            .hash_password(b"Correct-Horse-42", &salt)
            .unwrap()
            .to_string();
        let parsed = ParsedHash::new(&theirs).unwrap();
        assert!(matches_stored(&parsed, "Correct-Horse-42").unwrap());
        assert!(!matches_stored(&parsed, "Correct-Horse-43").unwrap());
    }

    #[test]
    fn kept_working_memory_gives_standard_hashes_whatever_its_size() {
        use argon2::PasswordVerifier as _;
        // One thread: the first hash maps memory, the smaller one reuses
        // part of it, the larger one maps anew, and after a release it maps again.
        for memory_kib in [128, 64, 256, 256] {
            let params = Argon2Params {
                memory_kib,
                ..cheap()
            };
            let ours = hash_blocking(&params, "Correct-Horse-42").unwrap();
            let parsed = ParsedHash::new(ours.as_phc()).unwrap();
            assert!(argon2_with(&params)
                .unwrap()
                .verify_password(b"Correct-Horse-42", &parsed)
                .is_ok());
            if memory_kib == 256 {
                release_working_memory();
            }
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
