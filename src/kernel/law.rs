//! The conditional law an [`super::Update`] states for the sites it may change: one definition that
//! gives both the sampling step ([`Law::draw`]) and the exact transition row ([`Law::expand`]).

use rand::Rng;

use crate::numeric::unit_f64;

/// Conditionally independent site laws: one probability of `+1` per site, and optionally the
/// probability of `−1` computed *directly* (not as `1 − p_up`, which loses all relative accuracy when
/// `p_up ≈ 1`: a rare state's inflow would round to 0). `None` states `P(−1) = 1 − p_up`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SiteLaws {
    pub sites: Vec<usize>,
    pub p_up: Vec<f64>,
    pub p_down: Vec<Option<f64>>,
}

impl SiteLaws {
    /// `P(−1)` of the `b`-th site.
    pub fn p_down(&self, b: usize) -> f64 {
        self.p_down[b].unwrap_or(1.0 - self.p_up[b])
    }
}

/// A joint law over `sites`: each outcome is a row of `sites.len()` spins in `outcomes` (flattened),
/// drawn with the matching probability in `probs`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JointLaw {
    pub sites: Vec<usize>,
    pub outcomes: Vec<i8>,
    pub probs: Vec<f64>,
}

impl JointLaw {
    /// Each outcome row with its probability.
    pub fn rows(&self) -> impl Iterator<Item = (&[i8], f64)> {
        let k = self.sites.len().max(1);
        self.outcomes.chunks(k).zip(self.probs.iter().copied())
    }
}

/// The conditional law of the new values of a set of sites, given the current state.
///
/// # Examples
///
/// An [`Update::law`](super::Update::law) fills a `Law`; [`Law::expand`] turns it into the exact
/// transition row (state indices: bit `i` set ⇔ `x_i = +1`).
///
/// ```
/// use mcmc_audit::kernel::Law;
///
/// // Site 0 becomes +1 with probability 1/4, −1 with 3/4.
/// let mut law = Law::default();
/// law.push_site(0, 0.25, 0.75);
/// let mut row = Vec::new();
/// law.expand(0b00, 1.0, &mut row);
/// assert_eq!(row, [(0b00, 0.75), (0b01, 0.25)]);
///
/// // Sites 0 and 1 move jointly: from x = (−1, +1) keep with 0.7, swap the two values with 0.3.
/// let joint = law.begin_joint();
/// joint.sites.extend([0, 1]);
/// joint.outcomes.extend([-1, 1, /* swapped: */ 1, -1]);
/// joint.probs.extend([0.7, 0.3]);
/// assert!(!law.is_independent());
/// let mut row = Vec::new();
/// law.expand(0b10, 1.0, &mut row);
/// assert_eq!(row, [(0b10, 0.7), (0b01, 0.3)]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Law {
    /// The sites are conditionally independent (a product of site laws).
    Independent(SiteLaws),
    /// The sites move jointly.
    Joint(JointLaw),
}

impl Default for Law {
    fn default() -> Self {
        Law::Independent(SiteLaws::default())
    }
}

impl Law {
    /// Empties the law, keeping its kind and its buffers.
    pub fn clear(&mut self) {
        match self {
            Law::Independent(s) => {
                s.sites.clear();
                s.p_up.clear();
                s.p_down.clear();
            }
            Law::Joint(j) => {
                j.sites.clear();
                j.outcomes.clear();
                j.probs.clear();
            }
        }
    }

    /// The sites the update may change.
    pub fn sites(&self) -> &[usize] {
        match self {
            Law::Independent(s) => &s.sites,
            Law::Joint(j) => &j.sites,
        }
    }

    /// Whether this law is a product of independent site laws.
    pub fn is_independent(&self) -> bool {
        matches!(self, Law::Independent(_))
    }

    fn site_laws(&mut self) -> &mut SiteLaws {
        if let Law::Joint(_) = self {
            *self = Law::default();
        }
        match self {
            Law::Independent(s) => s,
            Law::Joint(_) => unreachable!("made independent above"),
        }
    }

    /// Empties the law as an independent law over no sites: the identity update's law.
    pub fn clear_independent(&mut self) {
        self.site_laws().sites.clear();
        self.clear();
    }

    /// Adds an independent site law with both probabilities computed accurately.
    pub fn push_site(&mut self, site: usize, p_up: f64, p_down: f64) {
        let s = self.site_laws();
        s.sites.push(site);
        s.p_up.push(p_up);
        s.p_down.push(Some(p_down));
    }

    /// Adds an independent site law stated by `P(+1)` alone (`P(−1)` is then `1 − p_up`).
    pub fn push_site_up(&mut self, site: usize, p_up: f64) {
        let s = self.site_laws();
        s.sites.push(site);
        s.p_up.push(p_up);
        s.p_down.push(None);
    }

    /// Turns the law into an empty joint law and returns it to fill.
    pub fn begin_joint(&mut self) -> &mut JointLaw {
        self.clear();
        if let Law::Independent(_) = self {
            *self = Law::Joint(JointLaw::default());
        }
        match self {
            Law::Joint(j) => j,
            Law::Independent(_) => unreachable!("made joint above"),
        }
    }

    /// Draws from the law and writes the new values into `x` (one uniform per site, or one in all).
    ///
    /// # Panics
    ///
    /// When a joint law over one or more sites has no outcomes.
    pub fn draw(&self, x: &mut [i8], rng: &mut dyn Rng) {
        match self {
            Law::Independent(s) => {
                for (&i, &p) in s.sites.iter().zip(&s.p_up) {
                    x[i] = if unit_f64(rng.next_u64()) < p { 1 } else { -1 };
                }
            }
            Law::Joint(j) => {
                let u = unit_f64(rng.next_u64());
                let mut acc = 0.0;
                let mut pick = j.probs.len() - 1;
                for (o, &p) in j.probs.iter().enumerate() {
                    acc += p;
                    if u < acc {
                        pick = o;
                        break;
                    }
                }
                let k = j.sites.len();
                for (s, &v) in j.sites.iter().zip(&j.outcomes[pick * k..(pick + 1) * k]) {
                    x[*s] = v;
                }
            }
        }
    }

    /// Expands the law from state index `s` (mass `m`) into `(state, mass)` pairs.
    pub fn expand(&self, s: usize, m: f64, out: &mut Vec<(usize, f64)>) {
        let base = self.sites().iter().fold(s, |acc, &i| acc & !(1usize << i));
        match self {
            Law::Independent(l) => {
                for a in 0..(1usize << l.sites.len()) {
                    let mut p = m;
                    let mut t = base;
                    for (b, (&i, &pu)) in l.sites.iter().zip(&l.p_up).enumerate() {
                        if (a >> b) & 1 == 1 {
                            p *= pu;
                            t |= 1 << i;
                        } else {
                            p *= l.p_down(b);
                        }
                    }
                    if p > 0.0 {
                        out.push((t, p));
                    }
                }
            }
            Law::Joint(j) => {
                for (row, p) in j.rows() {
                    if p > 0.0 {
                        let mut t = base;
                        for (&i, &v) in j.sites.iter().zip(row) {
                            if v > 0 {
                                t |= 1 << i;
                            }
                        }
                        out.push((t, m * p));
                    }
                }
            }
        }
    }
}
