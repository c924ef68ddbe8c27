//! Plain wall-clock timing of the spectral benchmark (same code as `benches/spectral.rs`), printed
//! in the same form as `peers/spectral_numpy.py` so the two can be interleaved in one run.
//! Usage: `spectral_t_o [repeats] [blocked|unblocked|both]`.

use std::time::Instant;

use mcmc_audit::observables::Observables;
use mcmc_audit_benches::spectral::{BETA, N, cw_chain, t_o};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let repeats: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5);
    let which = args.get(2).map_or("both", String::as_str);
    let chain = cw_chain(N, BETA);
    let obs = Observables::pairs(N);
    let routes: &[(&str, Option<usize>)] = match which {
        "blocked" => &[("flip_blocked", Some(N))],
        "unblocked" => &[("unblocked", None)],
        _ => &[("flip_blocked", Some(N)), ("unblocked", None)],
    };
    for &(name, flip) in routes {
        let mut times = Vec::with_capacity(repeats);
        let mut out = t_o(&chain, &obs, flip); // warm-up, untimed (as the peer)
        for _ in 0..repeats {
            let t = Instant::now();
            out = t_o(&chain, &obs, flip);
            times.push(t.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        println!(
            "rust {name}: best {:.3} s, median {median:.3} s over {repeats}; T_O = {:.15e}, Q_struct_perp/|g|^2 = {:.10e}, |C*| = {}",
            times[0], out.0, out.1, out.2
        );
    }
}
