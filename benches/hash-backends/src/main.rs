//! SHA-256 throughput of `sha2`, `ring` and `aws-lc-rs` on this machine,
//! one thread, in GB/s of that thread's CPU time (best of `ROUNDS`), and of
//! wall time (median). Every backend must produce the same digest.
//!
//! ```text
//! cargo run --release --manifest-path benches/hash-backends/Cargo.toml [MIB]
//! ```

const ROUNDS: usize = 7;

fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for the call to write.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

type Backend = (&'static str, fn(&[u8]) -> Vec<u8>);

fn main() {
    let mib: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(256);
    let buf: Vec<u8> = (0..(mib << 20) as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let backends: [Backend; 3] = [
        ("sha2", |b| {
            use sha2::Digest;
            sha2::Sha256::digest(b).to_vec()
        }),
        ("ring", |b| {
            ring::digest::digest(&ring::digest::SHA256, b)
                .as_ref()
                .to_vec()
        }),
        ("aws-lc-rs", |b| {
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b)
                .as_ref()
                .to_vec()
        }),
    ];
    let gb = buf.len() as f64 / 1e9;
    let mut cpu = vec![Vec::new(); backends.len()];
    let mut wall = vec![Vec::new(); backends.len()];
    let mut digests = Vec::new();
    // Round-robin, so that background load hits every backend alike.
    for _ in 0..ROUNDS {
        for (i, (_, f)) in backends.iter().enumerate() {
            let (c, w) = (thread_cpu(), std::time::Instant::now());
            digests.push(f(&buf));
            cpu[i].push(gb / (thread_cpu() - c));
            wall[i].push(gb / w.elapsed().as_secs_f64());
        }
    }
    if digests.windows(2).any(|w| w[0] != w[1]) {
        eprintln!("the backends disagree");
        std::process::exit(1);
    }
    for (i, (name, _)) in backends.iter().enumerate() {
        let best = cpu[i].iter().cloned().fold(0.0, f64::max);
        wall[i].sort_by(f64::total_cmp);
        println!(
            "{name:<10} {best:.2} GB/s (CPU time, best)  {:.2} GB/s (wall, median)",
            wall[i][ROUNDS / 2]
        );
    }
}
