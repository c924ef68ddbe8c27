//! The conditional law an [`super::Update`] states for the sites it may change: one definition that
//! gives both the sampling step ([`Law::draw`]) and the exact transition row ([`Law::expand`]).

use rand::Rng;

use crate::numeric::unit_f64;

/// The conditional law of the new values of a set of sites, given the current state.
#[derive(Clone, Debug, PartialEq)]
pub enum Law {
    /// The sites are conditionally independent: one probability of `+1` per site, and optionally the
    /// probability of `−1` computed *directly* (not as `1 − p_up`, which loses all relative accuracy
    /// when `p_up ≈ 1`: a rare state's inflow would round to 0). `None` states `P(−1) = 1 − p_up`.
    Independent {
        sites: Vec<usize>,
        p_up: Vec<f64>,
        p_down: Vec<Option<f64>>,
    },
    /// A joint law over `sites`: each outcome is a row of `sites.len()` spins in `outcomes`
    /// (flattened), drawn with the matching probability in `probs`.
    Joint {
        sites: Vec<usize>,
        outcomes: Vec<i8>,
        probs: Vec<f64>,
    },
}

impl Default for Law {
    fn default() -> Self {
        Law::Independent {
            sites: Vec::new(),
            p_up: Vec::new(),
            p_down: Vec::new(),
        }
    }
}

/// The buffers of a joint law being written ([`Law::begin_joint`]).
pub struct JointMut<'a> {
    pub sites: &'a mut Vec<usize>,
    pub outcomes: &'a mut Vec<i8>,
    pub probs: &'a mut Vec<f64>,
}

impl Law {
    /// Empties the law, keeping its kind and its buffers.
    pub fn clear(&mut self) {
        match self {
            Law::Independent {
                sites,
                p_up,
                p_down,
            } => {
                sites.clear();
                p_up.clear();
                p_down.clear();
            }
            Law::Joint {
                sites,
                outcomes,
                probs,
            } => {
                sites.clear();
                outcomes.clear();
                probs.clear();
            }
        }
    }

    /// The sites the update may change.
    pub fn sites(&self) -> &[usize] {
        match self {
            Law::Independent { sites, .. } | Law::Joint { sites, .. } => sites,
        }
    }

    /// Whether this law is a product of independent site laws.
    pub fn is_independent(&self) -> bool {
        matches!(self, Law::Independent { .. })
    }

    fn independent_mut(&mut self) -> (&mut Vec<usize>, &mut Vec<f64>, &mut Vec<Option<f64>>) {
        if !self.is_independent() {
            *self = Law::default();
        }
        match self {
            Law::Independent {
                sites,
                p_up,
                p_down,
            } => (sites, p_up, p_down),
            Law::Joint { .. } => unreachable!("made independent above"),
        }
    }

    /// Adds an independent site law with both probabilities computed accurately.
    pub fn push_site(&mut self, site: usize, p_up: f64, p_down: f64) {
        let (s, u, d) = self.independent_mut();
        s.push(site);
        u.push(p_up);
        d.push(Some(p_down));
    }

    /// Adds an independent site law stated by `P(+1)` alone (`P(−1)` is then `1 − p_up`).
    pub fn push_site_up(&mut self, site: usize, p_up: f64) {
        let (s, u, d) = self.independent_mut();
        s.push(site);
        u.push(p_up);
        d.push(None);
    }

    /// Turns the law into an empty joint law and returns its buffers to fill.
    pub fn begin_joint(&mut self) -> JointMut<'_> {
        if self.is_independent() {
            *self = Law::Joint {
                sites: Vec::new(),
                outcomes: Vec::new(),
                probs: Vec::new(),
            };
        } else {
            self.clear();
        }
        match self {
            Law::Joint {
                sites,
                outcomes,
                probs,
            } => JointMut {
                sites,
                outcomes,
                probs,
            },
            Law::Independent { .. } => unreachable!("made joint above"),
        }
    }

    /// Draws from the law and writes the new values into `x` (one uniform per site, or one in all).
    pub fn draw(&self, x: &mut [i8], rng: &mut dyn Rng) {
        match self {
            Law::Independent { sites, p_up, .. } => {
                for (&i, &p) in sites.iter().zip(p_up) {
                    x[i] = if unit_f64(rng.next_u64()) < p { 1 } else { -1 };
                }
            }
            Law::Joint {
                sites,
                outcomes,
                probs,
            } => {
                let u = unit_f64(rng.next_u64());
                let k = sites.len();
                let mut acc = 0.0;
                let mut pick = probs.len() - 1;
                for (o, &p) in probs.iter().enumerate() {
                    acc += p;
                    if u < acc {
                        pick = o;
                        break;
                    }
                }
                for (s, &v) in sites.iter().zip(&outcomes[pick * k..(pick + 1) * k]) {
                    x[*s] = v;
                }
            }
        }
    }

    /// Expands the law from state index `s` (mass `m`) into `(state, mass)` pairs.
    pub fn expand(&self, s: usize, m: f64, out: &mut Vec<(usize, f64)>) {
        let base = self.sites().iter().fold(s, |acc, &i| acc & !(1usize << i));
        match self {
            Law::Independent {
                sites,
                p_up,
                p_down,
            } => {
                let k = sites.len();
                for a in 0..(1usize << k) {
                    let mut p = m;
                    let mut t = base;
                    for (b, (&i, &pu)) in sites.iter().zip(p_up).enumerate() {
                        if (a >> b) & 1 == 1 {
                            p *= pu;
                            t |= 1 << i;
                        } else {
                            p *= p_down[b].unwrap_or(1.0 - pu);
                        }
                    }
                    if p > 0.0 {
                        out.push((t, p));
                    }
                }
            }
            Law::Joint {
                sites,
                outcomes,
                probs,
            } => {
                let k = sites.len();
                for (o, &p) in probs.iter().enumerate() {
                    if p > 0.0 {
                        let mut t = base;
                        for (&i, &v) in sites.iter().zip(&outcomes[o * k..(o + 1) * k]) {
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
