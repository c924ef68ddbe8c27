//! Many independent chains of one [`FastGibbs`] engine, recorded as observable trajectories (the
//! sampled audits' data).

use std::time::Instant;

use rand::Rng;
use rayon::prelude::*;

use super::FastGibbs;
use super::lanes::{LANES, LaneObservables, deinterleave, interleave, laned};
use crate::error::{KernelError, Result, RunError};
use crate::kernel::{ChainRng, streams};
use crate::observables::Observable;
use crate::progress::Task;

/// Initial states.
#[derive(Clone, Debug, PartialEq)]
pub enum Init {
    /// Uniform random spins drawn from the chain's own stream.
    Uniform,
    /// The same given state for every chain.
    State(Vec<i8>),
}

/// Many independent chains of one engine.
#[derive(Clone, Debug)]
pub struct Chains {
    n: usize,
    /// Row-major states, chain `c` at `states[c·N..(c+1)·N]`.
    pub states: Vec<i8>,
    pub rngs: Vec<ChainRng>,
}

impl Chains {
    /// `k` chains of `n` spins with streams from `seed`, initialised per `init`.
    ///
    /// # Errors
    ///
    /// [`Error::Kernel`](crate::Error::Kernel) with [`KernelError::BadInitialState`] when
    /// `Init::State` does not hold `n` values of ±1.
    pub fn new(n: usize, k: usize, seed: u64, init: &Init) -> Result<Self> {
        let mut rngs = streams(seed, k);
        let mut states = vec![1i8; n * k];
        match init {
            Init::Uniform => {
                for (x, r) in states.chunks_mut(n).zip(rngs.iter_mut()) {
                    for v in x.iter_mut() {
                        *v = if r.next_u64() >> 63 == 1 { 1 } else { -1 };
                    }
                }
            }
            Init::State(s) => {
                if s.len() != n || s.iter().any(|&v| v != 1 && v != -1) {
                    return Err(KernelError::BadInitialState { n, got: s.len() }.into());
                }
                for x in states.chunks_mut(n) {
                    x.copy_from_slice(s);
                }
            }
        }
        Ok(Chains { n, states, rngs })
    }

    pub fn n_chains(&self) -> usize {
        self.rngs.len()
    }

    /// Chain `c`'s state.
    pub fn state(&self, c: usize) -> &[i8] {
        &self.states[c * self.n..(c + 1) * self.n]
    }

    /// `sweeps` sweeps of every chain at `β·alpha`, chains in parallel (each on an `f64` copy of
    /// its state, written back at the end).
    pub fn run(&mut self, engine: &FastGibbs, sweeps: u64, alpha: f64) {
        self.run_shown(engine, sweeps, alpha, None);
    }

    /// [`Chains::run`], counting sweeps on `shown` (every [`SHOWN_EVERY`] sweeps of a chain).
    pub fn run_shown(&mut self, engine: &FastGibbs, sweeps: u64, alpha: f64, shown: Option<&Task>) {
        let n = self.n;
        if laned(engine.scan()) {
            let g = self.group_size();
            self.states
                .par_chunks_mut(g * n)
                .zip(self.rngs.par_chunks_mut(g))
                .for_each(|(xs, rs)| {
                    let mut x = interleave(xs, n);
                    let mut rs: Vec<&mut ChainRng> = rs.iter_mut().collect();
                    engine.sweep_lanes(&mut x, &mut rs, sweeps, alpha, false, |_, _, fin, t| {
                        count_shown(shown, fin, t);
                    });
                    for (l, s) in xs.chunks_mut(n).enumerate() {
                        deinterleave(&x, l, s);
                    }
                });
            return;
        }
        self.states
            .par_chunks_mut(n)
            .zip(self.rngs.par_iter_mut())
            .for_each(|(x, r)| {
                let mut xf: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
                for t in 0..sweeps {
                    engine.sweep(&mut xf, r, alpha);
                    if let Some(p) = shown
                        && (t + 1).is_multiple_of(SHOWN_EVERY)
                    {
                        p.inc(SHOWN_EVERY);
                    }
                }
                for (v, &f) in x.iter_mut().zip(&xf) {
                    *v = if f > 0.0 { 1 } else { -1 };
                }
            });
    }

    /// Chains per lane group: enough groups to keep every thread busy, at most [`LANES`] chains in
    /// one (the results do not depend on it: lanes never read each other).
    fn group_size(&self) -> usize {
        let threads = rayon::current_num_threads().max(1);
        self.rngs.len().div_ceil(threads).clamp(1, LANES)
    }

    /// `draws` sweeps of every chain, recording the observables after each sweep into a row-major
    /// `(chains, draws, observables)` array.
    pub fn record(&mut self, engine: &FastGibbs, draws: usize, obs: &[Observable]) -> Vec<f64> {
        self.record_shown(engine, draws, obs, None)
    }

    /// [`Chains::record`], counting sweeps on `shown` (every [`SHOWN_EVERY`] sweeps of a chain).
    pub fn record_shown(
        &mut self,
        engine: &FastGibbs,
        draws: usize,
        obs: &[Observable],
        shown: Option<&Task>,
    ) -> Vec<f64> {
        let n = self.n;
        let k = obs.len();
        let mut out = vec![0.0; self.rngs.len() * draws * k];
        if draws == 0 || k == 0 {
            self.run_shown(engine, draws as u64, 1.0, shown);
            return out;
        }
        if laned(engine.scan()) {
            let g = self.group_size();
            let lane_obs = LaneObservables::new(obs);
            self.states
                .par_chunks_mut(g * n)
                .zip(self.rngs.par_chunks_mut(g))
                .zip(out.par_chunks_mut(g * draws * k))
                .for_each(|((xs, rs), o)| {
                    let mut x = interleave(xs, n);
                    let mut rs: Vec<&mut ChainRng> = rs.iter_mut().collect();
                    let mut rows: Vec<&mut [f64]> = o.chunks_mut(draws * k).collect();
                    let track = lane_obs.needs_energy();
                    engine.sweep_lanes(
                        &mut x,
                        &mut rs,
                        draws as u64,
                        1.0,
                        track,
                        |x, e, fin, t| {
                            count_shown(shown, fin, t);
                            lane_obs.eval(engine, x, e, fin, &mut rows, t.map(|v| v as usize * k));
                        },
                    );
                    for (l, s) in xs.chunks_mut(n).enumerate() {
                        deinterleave(&x, l, s);
                    }
                });
            return out;
        }
        self.states
            .par_chunks_mut(n)
            .zip(self.rngs.par_iter_mut())
            .zip(out.par_chunks_mut(draws * k))
            .for_each(|((x, r), o)| {
                let mut xf: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
                for (t, row) in o.chunks_mut(k).enumerate() {
                    engine.sweep(&mut xf, r, 1.0);
                    if let Some(p) = shown
                        && (t as u64 + 1).is_multiple_of(SHOWN_EVERY)
                    {
                        p.inc(SHOWN_EVERY);
                    }
                    for (v, &f) in x.iter_mut().zip(&xf) {
                        *v = if f > 0.0 { 1 } else { -1 };
                    }
                    for (v, f) in row.iter_mut().zip(obs) {
                        *v = f.eval(x, |y| engine.energy(y));
                    }
                }
            });
        out
    }
}

/// Counts the lanes of `fin` whose sweep number `t[l]` (0-based) closes a run of [`SHOWN_EVERY`].
fn count_shown(shown: Option<&Task>, fin: [bool; LANES], t: &[u64; LANES]) {
    if let Some(p) = shown {
        for (l, &f) in fin.iter().enumerate() {
            if f && (t[l] + 1).is_multiple_of(SHOWN_EVERY) {
                p.inc(SHOWN_EVERY);
            }
        }
    }
}

/// Sweeps of one chain between two progress counts (a count is an atomic add: rare enough to cost
/// nothing next to a sweep).
pub const SHOWN_EVERY: u64 = 1024;

/// Per-chain observable trajectories of a sampled run (docs/cli.md trajectory layout).
#[derive(Clone, Debug)]
pub struct Trajectories {
    pub names: Vec<String>,
    pub n_chains: usize,
    pub n_draws: usize,
    /// Row-major `(chains, draws, variables)`.
    pub data: Vec<f64>,
    /// The doubling lengths `L, 2L, 4L, … ≤ n_draws`; the trajectory at length `L` is the prefix of
    /// the first `L` draws of every chain.
    pub lengths: Vec<usize>,
    /// Spin updates per second over burn-in and recording (wall clock; informational).
    pub updates_per_second: f64,
    pub burn_in: u64,
    pub kernel: String,
}

impl Trajectories {
    /// Variable `v` of chain `c`, draws `0..len`.
    pub fn series(&self, c: usize, v: usize, len: usize) -> Vec<f64> {
        let k = self.names.len();
        let base = c * self.n_draws * k;
        (0..len.min(self.n_draws))
            .map(|t| self.data[base + t * k + v])
            .collect()
    }
}

/// How a sampled run is set up (`[sampling]` of the audit spec; defaults and validation in
/// [`crate::spec`]).
#[derive(Clone, Debug)]
pub struct SampledRun {
    pub chains: usize,
    pub sweeps: usize,
    pub burn_in: u64,
    pub doubling_from: usize,
    pub seed: u64,
    pub init: Init,
}

impl SampledRun {
    /// The first length of the doubling probe when not given (capped at the sweeps).
    pub const DEFAULT_DOUBLING_FROM: usize = 1_000;

    /// Checks that every size is positive and the doubling probe fits in the sweeps.
    ///
    /// # Errors
    ///
    /// The first [`RunError`] found.
    pub fn validate(&self) -> Result<()> {
        if self.chains == 0 {
            return Err(RunError::NoChains.into());
        }
        if self.sweeps == 0 {
            return Err(RunError::NoSweeps.into());
        }
        if self.doubling_from == 0 {
            return Err(RunError::NoDoubling.into());
        }
        if self.doubling_from > self.sweeps {
            return Err(RunError::DoublingBeyondSweeps {
                doubling_from: self.doubling_from,
                sweeps: self.sweeps,
            }
            .into());
        }
        Ok(())
    }
}

impl Default for SampledRun {
    /// 32 chains, 32000 recorded sweeps after a burn-in of 1000, the doubling probe from 1000, seed 0,
    /// uniform random initial states (docs/spec.md).
    fn default() -> Self {
        SampledRun {
            chains: 32,
            sweeps: 32_000,
            burn_in: 1_000,
            doubling_from: Self::DEFAULT_DOUBLING_FROM,
            seed: 0,
            init: Init::Uniform,
        }
    }
}

/// Runs `run.chains` chains of `engine` (burn-in, then `run.sweeps` recorded sweeps) and returns the
/// observables' trajectories with the doubling lengths and the measured update rate.
///
/// # Errors
///
/// The [`RunError`] of [`SampledRun::validate`], and [`KernelError::BadInitialState`] when
/// `run.init` is a state of the wrong length or with values other than ±1.
pub fn sample_trajectories(
    engine: &FastGibbs,
    obs: &[Observable],
    run: &SampledRun,
) -> Result<Trajectories> {
    run.validate()?;
    let mut chains = Chains::new(engine.n_spins(), run.chains, run.seed, &run.init)?;
    let total = (run.burn_in.saturating_add(run.sweeps as u64)).saturating_mul(run.chains as u64);
    let shown = crate::progress::task("sampling (sweeps of all chains)", Some(total));
    let t0 = Instant::now();
    shown.message(|| "burn-in".into());
    chains.run_shown(engine, run.burn_in, 1.0, Some(&shown));
    shown.message(|| "recording".into());
    let data = chains.record_shown(engine, run.sweeps, obs, Some(&shown));
    let secs = t0.elapsed().as_secs_f64();
    drop(shown);
    let updates = (run.burn_in as f64 + run.sweeps as f64) * (run.chains * engine.n_spins()) as f64;
    let mut lengths = Vec::new();
    let mut l = run.doubling_from;
    while l <= run.sweeps {
        lengths.push(l);
        l = l.saturating_mul(2);
    }
    Ok(Trajectories {
        names: obs.iter().map(Observable::name).collect(),
        n_chains: run.chains,
        n_draws: run.sweeps,
        data,
        lengths,
        updates_per_second: if secs > 0.0 { updates / secs } else { f64::NAN },
        burn_in: run.burn_in,
        kernel: engine.name().to_string(),
    })
}
