//! The torus family and the fast block-Gibbs engine: geometry, agreement with the exact kernels of
//! the same blocks and scan, named streams, thread-count independence, sampled trajectories.

use std::sync::Arc;

use mcmc_audit::checks::Status;
use mcmc_audit::kernel::build::{Blocks, Rule, Scan, build_kernel};
use mcmc_audit::kernel::fast::{
    Chains, FastGibbs, Init, SampledRun, exp_nonpos, sample_trajectories,
};
use mcmc_audit::kernel::updates::HeatBathSite;
use mcmc_audit::kernel::{ChainRng, Kernel, Law, Update};
use mcmc_audit::kernel::{stream, streams};
use mcmc_audit::model::torus::{Torus, TorusParams};
use mcmc_audit::model::{Model, Pairwise};
use mcmc_audit::numeric::gamma;
use mcmc_audit::numeric::tolerance::{rel_diff, test as tt};
use mcmc_audit::observables::{Observable, sampled_defaults};
use mcmc_audit::pipeline::audit::{AuditOptions, audit_kernel};
use mcmc_audit::spec::AuditSpec;
use rand::{Rng, SeedableRng};

fn torus(side: usize, beta: f64, patterns: usize) -> Torus {
    Torus::new(TorusParams {
        side,
        beta,
        patterns,
        seed: 3,
        ..Default::default()
    })
    .unwrap()
}

fn random_state(n: usize, rng: &mut ChainRng) -> Vec<i8> {
    (0..n)
        .map(|_| if rng.next_u64() >> 63 == 1 { 1 } else { -1 })
        .collect()
}

#[test]
fn dtm_like_torus_has_3600_spins_degree_12_and_a_proper_4_colouring() {
    let t = torus(60, 1.0, 0);
    assert_eq!(t.n_spins(), 3600);
    assert_eq!(t.model.edges().len(), 3600 * 6);
    let blocks = t.blocks4();
    assert_eq!(blocks.len(), 4);
    for i in 0..t.n_spins() {
        let nb = t.model.neighbors(i);
        assert_eq!(nb.len(), 12);
        for j in nb {
            assert_ne!(t.colour(i), t.colour(j), "edge {i}-{j} inside block");
        }
    }
    // The engine accepts the 4 blocks (it rejects any block with an internal edge).
    assert!(FastGibbs::new(&t.model, blocks, Scan::Symmetrized).is_ok());
}

#[test]
fn torus_is_built_from_an_audit_spec() {
    let text = "[model]\nfamily = \"torus\"\nside = 8\ndegree = 12\ncoupling = 0.25\npatterns = 2\nbeta = 0.5\nseed = 1\n";
    let spec = AuditSpec::parse(text, std::path::Path::new("t.toml")).unwrap();
    let built = spec.build_model().unwrap();
    let m = built.pairwise();
    assert_eq!(m.n_spins(), 64);
    assert_eq!(m.beta(), 0.5);
    let bad = AuditSpec::parse(
        "[model]\nfamily = \"torus\"\nside = 7\n",
        std::path::Path::new("t.toml"),
    )
    .unwrap();
    let e = bad.build_model().unwrap_err().to_string();
    assert!(e.contains("t.toml") && e.contains("side"), "{e}");
}

#[test]
fn in_crate_exp_matches_libm() {
    let t = tt::FAST_EXP;
    let mut x = -745.0;
    while x <= 0.0 {
        let (a, b) = (exp_nonpos(x), x.exp());
        if b >= f64::MIN_POSITIVE {
            assert!(t.accepts(rel_diff(a, b), 1), "x = {x}: {a} vs {b}");
        }
        x += 0.0137;
    }
    assert_eq!(exp_nonpos(0.0), 1.0);
    assert_eq!(exp_nonpos(-800.0), 0.0);
    assert!(exp_nonpos(f64::NAN).is_nan());
}

#[test]
fn fast_conditional_equals_the_heat_bath_law() {
    let t = torus(8, 0.9, 0);
    let e = FastGibbs::new(&t.model, t.blocks4(), Scan::Systematic).unwrap();
    let model: Arc<dyn Model> = Arc::new(t.model.clone());
    let mut rng = ChainRng::seed_from_u64(11);
    let mut law = Law::default();
    let tol = tt::FAST_P_UP_VS_LAW;
    for _ in 0..200 {
        let x = random_state(64, &mut rng);
        for i in 0..64 {
            law.clear();
            HeatBathSite {
                model: model.clone(),
                site: i,
            }
            .law(&x, &mut law);
            assert_eq!(e.local_field(&x, i), t.model.local_field(&x, i));
            let p = e.p_up(&x, i, 1.0);
            let Law::Independent(l) = &law else {
                panic!("a site heat bath states an independent law")
            };
            assert!(
                tol.accepts(rel_diff(p, l.p_up[0]), 1),
                "{p} vs {}",
                l.p_up[0]
            );
        }
    }
}

/// Sweeps of the fast engine reproduce `Kernel::step` of the kernel `build_kernel` makes from the same
/// blocks and scan, state for state, from the same stream (the engine's and the reference's
/// probabilities differ by a few ulps, so a mismatch needs a uniform within ~1e-16 of one: odds ~1e-10).
#[test]
fn fast_sweeps_reproduce_the_reference_kernel_steps() {
    let t = torus(6, 0.8, 1);
    let model: Arc<dyn Model> = Arc::new(t.model.clone());
    let site_blocks: Vec<Vec<usize>> = (0..36).map(|i| vec![i]).collect();
    for blocks in [t.blocks4(), site_blocks] {
        for scan in [Scan::Random, Scan::Systematic, Scan::Symmetrized] {
            let e = FastGibbs::new(&t.model, blocks.clone(), scan).unwrap();
            let k = build_kernel(
                model.clone(),
                Rule::Gibbs,
                &Blocks::Explicit(blocks.clone()),
                scan,
            )
            .unwrap();
            let mut r1 = stream(5, 0);
            let mut x1 = random_state(36, &mut r1);
            let mut r2 = r1.clone();
            let mut x2 = x1.clone();
            let steps_per_sweep = if scan == Scan::Random {
                blocks.len()
            } else {
                1
            };
            let mut scratch = Law::default();
            for s in 0..200 {
                e.sweep(&mut x1, &mut r1, 1.0);
                for _ in 0..steps_per_sweep {
                    k.step(&mut x2, &mut r2, &mut scratch);
                }
                assert_eq!(x1, x2, "{scan:?}, {} blocks, sweep {s}", blocks.len());
            }
        }
    }
}

#[test]
fn fast_engine_rejects_invalid_blocks() {
    let t = torus(6, 1.0, 0);
    let mut b = t.blocks4();
    // Merging colour classes (0,0) and (1,0) puts the (±1, 0) edges inside a block. (Classes (0,0)
    // and (1,1) are the same side of the bipartition and may be merged.)
    let moved = b.remove(1);
    b[0].extend(moved);
    let mut same_side = t.blocks4();
    let moved = same_side.remove(3);
    same_side[0].extend(moved);
    assert!(FastGibbs::new(&t.model, same_side, Scan::Random).is_ok());
    let e = FastGibbs::new(&t.model, b, Scan::Random).unwrap_err();
    assert!(e.to_string().contains("interacting"), "{e}");
    let mut b = t.blocks4();
    b[0].pop();
    assert!(FastGibbs::new(&t.model, b, Scan::Random).is_err());
    assert!(FastGibbs::new(&t.model, vec![vec![]], Scan::Random).is_err());
}

#[test]
fn named_streams_are_jumps_of_the_seeded_generator() {
    let all = streams(9, 5);
    for (c, r) in all.iter().enumerate() {
        let mut a = r.clone();
        let mut b = stream(9, c);
        assert_eq!(a.next_u64(), b.next_u64());
    }
    let mut base = ChainRng::seed_from_u64(9);
    base.jump();
    base.jump();
    assert_eq!(base.next_u64(), all[2].clone().next_u64());
}

/// Exact audit of a kernel made of the engine's own block updates on a small bipartite model: the
/// symmetrized sweep is π-invariant and self-adjoint and its sampling step (the engine's block
/// update) draws from its exact rows.
#[test]
fn engine_block_updates_pass_the_exact_audit() {
    let n = 8;
    let c: Vec<(usize, usize, f64)> = (0..n)
        .map(|i| (i, (i + 1) % n, 0.3 + 0.1 * i as f64))
        .collect();
    let fields: Vec<f64> = (0..n).map(|i| 0.05 * i as f64 - 0.2).collect();
    let m = Pairwise::new("ring", n, 1.1, &c, Some(fields)).unwrap();
    let blocks = vec![(0..n).step_by(2).collect(), (1..n).step_by(2).collect()];
    let e = Arc::new(FastGibbs::new(&m, blocks, Scan::Symmetrized).unwrap());
    let parts = e.block_updates().into_iter().map(Kernel::Update).collect();
    let k = Kernel::symmetrized("fast blocks", parts);
    let rep = audit_kernel(&m, &k, &AuditOptions::default()).unwrap();
    for id in ["K.stochastic", "K.invariance", "A2", "K.step-consistency"] {
        assert_eq!(rep.verdict(id).unwrap().status, Status::Pass, "{id}");
    }
}

fn run_on_threads(threads: usize, run: &SampledRun, e: &FastGibbs, obs: &[Observable]) -> Vec<u64> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| sample_trajectories(e, obs, run).unwrap())
        .data
        .iter()
        .map(|v| v.to_bits())
        .collect()
}

#[test]
fn trajectories_are_bit_identical_at_any_thread_count() {
    let t = torus(12, 0.6, 2);
    let e = FastGibbs::new(&t.model, t.blocks4(), Scan::Symmetrized).unwrap();
    let obs = vec![
        Observable::Magnetization,
        Observable::Energy,
        Observable::Overlap(0, t.patterns[0].clone()),
        Observable::Pair(0, 1),
    ];
    let run = SampledRun {
        chains: 5,
        sweeps: 64,
        burn_in: 8,
        doubling_from: 16,
        seed: 4,
        init: Init::Uniform,
    };
    let one = run_on_threads(1, &run, &e, &obs);
    let two = run_on_threads(2, &run, &e, &obs);
    let three = run_on_threads(3, &run, &e, &obs);
    assert_eq!(one, two);
    assert_eq!(one, three);
    let tr = sample_trajectories(&e, &obs, &run).unwrap();
    assert_eq!(tr.lengths, vec![16, 32, 64]);
    assert_eq!(
        tr.names,
        vec!["magnetization", "energy", "overlap0", "x0x1"]
    );
    assert_eq!(tr.data.len(), 5 * 64 * 4);
    assert!(tr.updates_per_second > 0.0);
    // Recorded energies are the model's energies of the recorded states (last draw of each chain).
    let mut chains = Chains::new(144, 5, 4, &Init::Uniform).unwrap();
    chains.run(&e, 8 + 64, 1.0);
    for c in 0..5 {
        let last = tr.series(c, 1, 64)[63];
        let exact = t.model.energy(chains.state(c));
        // Plain CSR sum of 2·3600·12 terms vs a compensated sum: within the γ_n bound.
        assert!((last - exact).abs() <= gamma(2 * 144 * 12) * t.model.energy_abs_scale());
    }
}

#[test]
fn sampled_run_rejects_bad_settings() {
    let t = torus(6, 0.6, 0);
    let e = FastGibbs::new(&t.model, t.blocks4(), Scan::Symmetrized).unwrap();
    let mut run = SampledRun {
        chains: 0,
        sweeps: 10,
        burn_in: 0,
        doubling_from: 5,
        seed: 0,
        init: Init::Uniform,
    };
    assert!(sample_trajectories(&e, &[Observable::Magnetization], &run).is_err());
    run.chains = 1;
    run.doubling_from = 20;
    assert!(sample_trajectories(&e, &[Observable::Magnetization], &run).is_err());
    run.doubling_from = 5;
    run.init = Init::State(vec![1; 35]);
    assert!(sample_trajectories(&e, &[Observable::Magnetization], &run).is_err());
}

/// Item 4 up to the trajectories: the symmetrized 4-block kernel on the 3600-spin torus, a multimodal
/// (planted) and a weakly coupled model, run from a `[sampling]` section; the τ / doubling wiring is
/// the sampled module's.
#[test]
fn sampled_runs_of_the_3600_spin_torus_from_a_sampling_section() {
    let text = "[model]\nfamily = \"torus\"\n[sampling]\nchains = 2\nsweeps = 64\nburn_in = 4\ndoubling_from = 16\nseed = 3\n";
    let spec = AuditSpec::parse(text, std::path::Path::new("s.toml")).unwrap();
    let run = spec.sampling.clone().unwrap();
    assert_eq!((run.chains, run.sweeps, run.doubling_from), (2, 64, 16));
    for (patterns, beta) in [(2, 1.0), (0, 0.05)] {
        let t = torus(60, beta, patterns);
        let e = FastGibbs::new(&t.model, t.blocks4(), Scan::Symmetrized).unwrap();
        let obs = sampled_defaults(t.model.edges(), &t.patterns);
        assert_eq!(obs.len(), 2 + patterns + 3);
        let tr = sample_trajectories(&e, &obs, &run).unwrap();
        assert_eq!(tr.lengths, vec![16, 32, 64]);
        assert_eq!(tr.data.len(), 2 * 64 * obs.len());
        assert!(tr.data.iter().all(|v| v.is_finite()));
        assert!(tr.updates_per_second > 0.0);
    }
    let e = AuditSpec::parse(
        "[model]\nfamily = \"torus\"\n[sampling]\nsweeps = 10\ndoubling_from = 20\n",
        std::path::Path::new("s.toml"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("sampling.doubling_from"), "{e}");
}

/// The chain-by-chain reference of a sampled run: `burn_in` sweeps of the `i8` state with
/// [`FastGibbs::sweep`], then `draws` sweeps each followed by the observables, chain `c` on stream
/// `c` of `seed`.
fn per_chain_reference(
    e: &FastGibbs,
    chains: usize,
    seed: u64,
    burn_in: u64,
    draws: usize,
    obs: &[Observable],
) -> (Vec<f64>, Vec<Vec<i8>>) {
    let mut out = Vec::new();
    let mut finals = Vec::new();
    for mut r in streams(seed, chains) {
        let mut x = random_state(e.n_spins(), &mut r);
        for _ in 0..burn_in {
            e.sweep(&mut x, &mut r, 1.0);
        }
        for _ in 0..draws {
            e.sweep(&mut x, &mut r, 1.0);
            out.extend(obs.iter().map(|f| f.eval(&x, |y| e.energy(y))));
        }
        finals.push(x);
    }
    (out, finals)
}

/// The lockstep lanes (`kernel::fast::lanes`: four chains per register, AVX2 when the CPU has it)
/// give every chain exactly the trajectory of its own per-chain sweep: same observables bit for bit
/// and same final states, for systematic and symmetrized scans, any number of chains (whole and
/// partial groups of four) and any thread count (which changes how chains are grouped). Models: the
/// torus with its 4-colouring and planted patterns (every observable kind; couplings on a lattice,
/// so the lanes read their probabilities from a table), a ring with fields and single-site blocks (a
/// block of one site, no whole quad), an irregular graph with bipartite-free colour blocks of mixed
/// degree, and a dyadic ring with chords and fields (the table with fields and mixed degrees).
#[test]
fn lanes_reproduce_the_per_chain_sweeps_bit_for_bit() {
    let t = torus(12, 0.6, 2);
    let n = 30;
    let ring: Vec<(usize, usize, f64)> = (0..n)
        .map(|i| (i, (i + 1) % n, 0.7 - 0.05 * i as f64))
        .collect();
    let fields: Vec<f64> = (0..n).map(|i| 0.3 * ((i % 7) as f64 - 3.0)).collect();
    let ring = Pairwise::new("ring+fields", n, 0.9, &ring, Some(fields)).unwrap();
    // Couplings and fields on a lattice of 2^-3: the lanes look the probabilities up
    // (`kernel::fast::table`) while the per-chain reference evaluates them.
    let mut dy: Vec<(usize, usize, f64)> = (0..n)
        .map(|i| (i, (i + 1) % n, 0.75 * ((i % 3) as f64 - 1.0)))
        .collect();
    dy.extend((0..n / 2).step_by(2).map(|i| (i, (i + 15) % n, 1.5)));
    let dy_fields: Vec<f64> = (0..n).map(|i| 0.125 * ((i % 5) as f64 - 2.0)).collect();
    let dyadic = Pairwise::new("ring+chords, dyadic", n, 0.8, &dy, Some(dy_fields)).unwrap();
    // Irregular: a ring plus chords from every third site (degrees 2, 3 and 4 in one block).
    let mut irr: Vec<(usize, usize, f64)> = (0..n).map(|i| (i, (i + 1) % n, 0.4)).collect();
    irr.extend((0..n / 2).step_by(3).map(|i| (i, (i + 15) % n, -0.6)));
    let irr = Pairwise::new("ring+chords", n, 1.3, &irr, Some(vec![0.1; n])).unwrap();
    let irr_blocks = {
        // Greedy colouring in index order.
        let mut colour = vec![usize::MAX; n];
        for i in 0..n {
            let used: Vec<usize> = irr.adjacency()[i].iter().map(|&(j, _)| colour[j]).collect();
            colour[i] = (0..).find(|c| !used.contains(c)).unwrap();
        }
        let k = colour.iter().max().unwrap() + 1;
        (0..k)
            .map(|c| (0..n).filter(|&i| colour[i] == c).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    };
    type Case<'a> = (&'a Pairwise, Vec<Vec<usize>>, Vec<Observable>);
    let cases: Vec<Case> = vec![
        (
            &t.model,
            t.blocks4(),
            vec![
                Observable::Magnetization,
                Observable::Energy,
                Observable::Overlap(1, t.patterns[1].clone()),
                Observable::Pair(0, 1),
                Observable::Field(5),
            ],
        ),
        (
            &ring,
            (0..n).map(|i| vec![i]).collect(),
            vec![Observable::Energy, Observable::Field(3)],
        ),
        (
            &irr,
            irr_blocks,
            vec![Observable::Energy, Observable::Magnetization],
        ),
        (
            &dyadic,
            (0..n).map(|i| vec![i]).collect(),
            vec![Observable::Energy, Observable::Field(4)],
        ),
    ];
    for (model, blocks, obs) in &cases {
        for scan in [Scan::Systematic, Scan::Symmetrized] {
            let e = FastGibbs::new(model, blocks.clone(), scan).unwrap();
            for chains in [1, 3, 4, 5, 9] {
                let (want, finals) = per_chain_reference(&e, chains, 11, 7, 40, obs);
                for threads in [1, 2, 3] {
                    let pool = rayon::ThreadPoolBuilder::new()
                        .num_threads(threads)
                        .build()
                        .unwrap();
                    let (got, states) = pool.install(|| {
                        let mut ch = Chains::new(e.n_spins(), chains, 11, &Init::Uniform).unwrap();
                        ch.run(&e, 7, 1.0);
                        let got = ch.record(&e, 40, obs);
                        (
                            got,
                            (0..chains)
                                .map(|c| ch.state(c).to_vec())
                                .collect::<Vec<_>>(),
                        )
                    });
                    let label = format!(
                        "{} {scan:?}, {chains} chains, {threads} threads",
                        model.describe()
                    );
                    assert_eq!(
                        got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        want.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        "{label}"
                    );
                    assert_eq!(states, finals, "{label}");
                }
            }
        }
    }
}
