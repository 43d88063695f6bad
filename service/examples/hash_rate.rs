//! Raw argon2id verifications per second on one core, with the parameters
//! from the environment (the same variables and defaults as the server).
//! The benchmark in `bench/run.sh` compares sign-in throughput against it.

use std::time::Instant;

use service::config::Argon2Params;
use service::password::PasswordHasher;

fn env_or(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let defaults = Argon2Params::default();
    let params = Argon2Params {
        memory_kib: env_or("LATCHKEY_ARGON2_MEMORY_KIB", defaults.memory_kib),
        iterations: env_or("LATCHKEY_ARGON2_ITERATIONS", defaults.iterations),
        parallelism: env_or("LATCHKEY_ARGON2_PARALLELISM", defaults.parallelism),
    };
    let hasher = PasswordHasher::new(params, 1).expect("valid parameters");
    let hash = hasher
        .hash("Tangerine-Kayak-Violet-72")
        .await
        .expect("hash");
    let rounds = 60;
    let started = Instant::now();
    for _ in 0..rounds {
        hasher
            .verify("Tangerine-Kayak-Violet-72", Some(&hash))
            .await
            .expect("verify");
    }
    let seconds = started.elapsed().as_secs_f64();
    println!("{:.1}", f64::from(rounds) / seconds);
}
