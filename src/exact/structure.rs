//! Graph structure of the transition graph `x → y ⇔ P_xy > 0`: strongly connected components
//! (Tarjan, iterative) and the period (Jarvis & Shier 1996 level construction, as in QuantEcon;
//! docs/peers.md §4.11): BFS levels from a root, `d = gcd(level(u) − level(v) + 1)` over edges `u → v`.

use super::ExactChain;

/// Strongly connected components; `comp[x]` is the component of `x`. Returns (count, comp).
pub fn scc(chain: &ExactChain) -> (usize, Vec<usize>) {
    scc_of(&chain.p, chain.n_states)
}

/// [`scc`] of a row-major `n × n` matrix (before any chain exists, e.g. to find the closed classes
/// GTH needs).
pub fn scc_of(p: &[f64], n: usize) -> (usize, Vec<usize>) {
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut comp = vec![usize::MAX; n];
    let mut next_index = 0;
    let mut n_comp = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        // Explicit DFS stack of (node, next successor to try).
        let mut dfs: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut it)) = dfs.last_mut() {
            let mut pushed = false;
            while *it < n {
                let w = *it;
                *it += 1;
                if p[v * n + w] <= 0.0 {
                    continue;
                }
                if index[w] == usize::MAX {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    dfs.push((w, 0));
                    pushed = true;
                    break;
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            }
            if pushed {
                continue;
            }
            dfs.pop();
            if let Some(&(parent, _)) = dfs.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp[w] = n_comp;
                    if w == v {
                        break;
                    }
                }
                n_comp += 1;
            }
        }
    }
    (n_comp, comp)
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Period of the class containing `root`, restricted to states with `member[x]`.
fn class_period(chain: &ExactChain, member: &[bool], root: usize) -> usize {
    let n = chain.n_states;
    let mut level = vec![usize::MAX; n];
    level[root] = 0;
    let mut queue = std::collections::VecDeque::from([root]);
    let mut d = 0usize;
    while let Some(u) = queue.pop_front() {
        for v in 0..n {
            if !member[v] || chain.p(u, v) <= 0.0 {
                continue;
            }
            if level[v] == usize::MAX {
                level[v] = level[u] + 1;
                queue.push_back(v);
            } else {
                // level(u) + 1 − level(v) ≥ 0 for BFS levels.
                d = gcd(d, level[u] + 1 - level[v]);
            }
            if d == 1 {
                return 1;
            }
        }
    }
    d.max(1)
}

/// Period of the chain: for an irreducible chain its period; otherwise the lcm of the periods of the
/// recurrent (closed) classes. Returns (period, number of recurrent classes).
pub fn period(chain: &ExactChain, comp: &[usize], n_comp: usize) -> (usize, usize) {
    let closed = closed_components(&chain.p, chain.n_states, comp, n_comp);
    period_of_closed(chain, comp, &closed)
}

/// [`period`] given which components are closed.
#[allow(clippy::needless_range_loop)] // classes are indexed by component number
fn period_of_closed(chain: &ExactChain, comp: &[usize], closed: &[bool]) -> (usize, usize) {
    let n_comp = closed.len();
    let mut result = 1usize;
    let mut n_recurrent = 0;
    for c in 0..n_comp {
        if !closed[c] {
            continue;
        }
        n_recurrent += 1;
        let member: Vec<bool> = comp.iter().map(|&k| k == c).collect();
        let root = member.iter().position(|&m| m).unwrap_or(0);
        let d = class_period(chain, &member, root);
        result = result / gcd(result, d) * d;
    }
    (result, n_recurrent)
}

/// Which components are closed (no transition leaves them): the recurrent classes.
fn closed_components(p: &[f64], n: usize, comp: &[usize], n_comp: usize) -> Vec<bool> {
    let mut closed = vec![true; n_comp];
    for x in 0..n {
        for y in 0..n {
            if p[x * n + y] > 0.0 && comp[x] != comp[y] {
                closed[comp[x]] = false;
            }
        }
    }
    closed
}

/// The recurrent classes of a row-major `n × n` matrix, each as its states in increasing order
/// (classes ordered by their smallest state), and the transient states (those in no closed class).
pub fn closed_classes(p: &[f64], n: usize) -> (Vec<Vec<usize>>, Vec<usize>) {
    let (n_comp, comp) = scc_of(p, n);
    let closed = closed_components(p, n, &comp, n_comp);
    let mut slot = vec![usize::MAX; n_comp];
    let mut classes: Vec<Vec<usize>> = Vec::new();
    let mut transient = Vec::new();
    for (x, &c) in comp.iter().enumerate() {
        if !closed[c] {
            transient.push(x);
            continue;
        }
        if slot[c] == usize::MAX {
            slot[c] = classes.len();
            classes.push(Vec::new());
        }
        classes[slot[c]].push(x);
    }
    (classes, transient)
}

/// The transition graph's structure: components, recurrent classes and period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Structure {
    /// Strongly connected components.
    pub components: usize,
    /// Closed (recurrent) classes.
    pub recurrent_classes: usize,
    /// The period (the lcm over recurrent classes).
    pub period: usize,
    /// States in no closed class.
    pub transient_states: usize,
}

impl Structure {
    /// Components, recurrent classes and period of `chain`.
    pub fn of(chain: &ExactChain) -> Self {
        let (components, comp) = scc(chain);
        let closed = closed_components(&chain.p, chain.n_states, &comp, components);
        let (period, recurrent_classes) = period_of_closed(chain, &comp, &closed);
        let transient_states = comp.iter().filter(|&&c| !closed[c]).count();
        Structure {
            components,
            recurrent_classes,
            period,
            transient_states,
        }
    }
}

/// `Σ_{x∈A, y∉A} π_x P_xy`: the π-weighted flow out of A, which is the size of the commutator
/// `[1_A, P]` in L²(π) (zero iff multiplication by 1_A commutes with P, i.e. A is P-invariant).
pub fn boundary_flow(chain: &ExactChain, in_a: &[bool]) -> f64 {
    let n = chain.n_states;
    let mut s = crate::numeric::NeumaierSum::new();
    for x in (0..n).filter(|&x| in_a[x]) {
        for (y, &p) in chain.row(x).iter().enumerate() {
            if !in_a[y] && p != 0.0 {
                s.add(chain.pi[x] * p);
            }
        }
    }
    s.value()
}
