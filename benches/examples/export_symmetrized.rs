//! Writes the symmetrized operator `S = D^{1/2} P D^{−1/2}` of random-scan single-site Gibbs on
//! Curie–Weiss (N, β) to an `.npy` file, so a peer (NumPy `eigh`) decomposes exactly the matrix the
//! audit decomposes. Usage: `cargo run --release --example export_symmetrized -- N BETA OUT.npy`

use mcmc_audit::exact::spectrum;
use mcmc_audit_benches::spectral::cw_chain;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(12);
    let beta: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let out = args.get(3).cloned().unwrap_or_else(|| "S.npy".into());
    let chain = cw_chain(n, beta);
    let s = spectrum::symmetric_part(&chain);
    let d = chain.n_states;
    let arr = ndarray::Array2::from_shape_fn((d, d), |(i, j)| s[(i, j)]);
    ndarray_npy::write_npy(&out, &arr).expect("write");
}
