//! Raw argon2id verifications per CPU-second on one thread, with the
//! parameters from the environment (the same variables and defaults as the
//! server). `bench/run.sh` compares sign-in throughput against it.

use argon2::password_hash::{rand_core::OsRng, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use service::config::Argon2Params;

fn env_or(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU time this thread has used, in seconds (Linux).
fn thread_cpu_seconds() -> f64 {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").expect("Linux schedstat");
    let nanos: f64 = text
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a number");
    nanos / 1e9
}

fn main() {
    let defaults = Argon2Params::default();
    let params = Params::new(
        env_or("LATCHKEY_ARGON2_MEMORY_KIB", defaults.memory_kib),
        env_or("LATCHKEY_ARGON2_ITERATIONS", defaults.iterations),
        env_or("LATCHKEY_ARGON2_PARALLELISM", defaults.parallelism),
        None,
    )
    .expect("valid parameters");
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let salt = SaltString::generate(&mut OsRng);
    let password = b"Tangerine-Kayak-Violet-72";
    let stored = argon2
        .hash_password(password, &salt)
        .expect("hash")
        .to_string();
    let parsed = argon2::PasswordHash::new(&stored).expect("parse");
    let rounds = 60;
    let started = thread_cpu_seconds();
    for _ in 0..rounds {
        argon2.verify_password(password, &parsed).expect("verify");
    }
    println!(
        "{:.1}",
        f64::from(rounds) / (thread_cpu_seconds() - started)
    );
}
