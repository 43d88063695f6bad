//! Timing shared by the store's benchmarks.

use std::future::Future;
use std::time::Instant;

/// The median and 99th percentile, in milliseconds, of `iterations` runs of
/// `run`, after six unmeasured ones (caches warm, plans settled).
pub async fn p50_p99<F, Fut>(iterations: usize, mut run: F) -> (f64, f64)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    for _ in 0..6 {
        run().await;
    }
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        run().await;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let at = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    (at(0.5), at(0.99))
}
