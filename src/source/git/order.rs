//! The commit order of libgit2's revision walk with `TOPOLOGICAL | TIME | REVERSE`, from
//! commits read once.
//!
//! The history walk attributes each blob to the first commit in this order that has it, so the
//! order decides attribution. libgit2's walk reads every commit itself (a second read, after
//! which the tree walk read each commit again: about 8% of a one-thread scan of the large
//! benchmark history, issue 15). Here the same order is computed from commits the caller reads
//! once, keeping what the tree walk needs of each.
//!
//! The steps are libgit2 1.9's (`src/libgit2/revwalk.c`, `commit_list.c`, `util/pqueue.c`),
//! for a walk with pushes only (no hidden commits), and must stay exactly theirs, ties
//! included (commits made by a script share their time):
//! 1. `git_revwalk_push` prepends each tip to the input list; `prepare_walk` takes that list
//!    in order, dropping repeats.
//! 2. `limit_list` pops the list's head, appends it to the output and inserts each parent not
//!    seen before by date (`git_commit_list_insert_by_date`: before the first commit that is
//!    strictly older).
//! 3. `sort_in_topological_order` counts each commit's children, puts the commits without any
//!    in a binary heap ordered by newest time (`git_pqueue`, whose sift-up and sift-down
//!    decide ties), and pops: a parent enters the heap once its last child is out.
//! 4. `GIT_SORT_REVERSE` reverses the result.
//!
//! A test compares the order with libgit2's on random histories with many equal times.

use foldhash::{HashMap, HashMapExt};
use git2::Oid;

/// One commit of the walk (small: a history may have millions).
struct Node<T> {
    id: Oid,
    time: i64,
    /// Its parents: `edges[parents.0..parents.1]`.
    parents: (u32, u32),
    /// What the caller kept of it; `None` until read.
    data: Option<T>,
    seen: bool,
    in_degree: u32,
}

/// The graph as read so far.
struct Graph<T, R> {
    nodes: Vec<Node<T>>,
    /// Every node's parents, one run per node.
    edges: Vec<u32>,
    at: HashMap<Oid, u32>,
    read: R,
}

impl<T, R: FnMut(Oid) -> Option<(i64, Vec<Oid>, T)>> Graph<T, R> {
    fn lookup(&mut self, id: Oid) -> Option<usize> {
        if let Some(&n) = self.at.get(&id) {
            return Some(n as usize);
        }
        let n = self.nodes.len();
        self.nodes.push(Node {
            id,
            time: 0,
            parents: (0, 0),
            data: None,
            seen: false,
            in_degree: 0,
        });
        self.at.insert(id, u32::try_from(n).ok()?);
        Some(n)
    }

    /// Reads node `n` if not yet read; `None` if it cannot be.
    fn parse(&mut self, n: usize) -> Option<()> {
        if self.nodes[n].data.is_some() {
            return Some(());
        }
        let (time, parents, data) = (self.read)(self.nodes[n].id)?;
        let start = u32::try_from(self.edges.len()).ok()?;
        for p in parents {
            let p = self.lookup(p)?;
            self.edges.push(u32::try_from(p).ok()?);
        }
        let end = u32::try_from(self.edges.len()).ok()?;
        let node = &mut self.nodes[n];
        node.time = time;
        node.parents = (start, end);
        node.data = Some(data);
        Some(())
    }

    /// Node `n`'s parents.
    fn parents(&self, n: usize) -> std::ops::Range<usize> {
        let (start, end) = self.nodes[n].parents;
        start as usize..end as usize
    }
}

/// `git_commit_list_time_cmp`: the newer commit sorts first.
fn newer_first<T>(nodes: &[Node<T>], a: usize, b: usize) -> std::cmp::Ordering {
    nodes[b].time.cmp(&nodes[a].time)
}

/// `git_pqueue`'s binary heap over node indices, exactly as it sifts.
struct Heap(Vec<usize>);

impl Heap {
    fn insert<T>(&mut self, nodes: &[Node<T>], item: usize) {
        self.0.push(item);
        let mut el = self.0.len() - 1;
        while el > 0 {
            let parent_el = (el - 1) >> 1;
            let parent = self.0[parent_el];
            if newer_first(nodes, parent, item).is_le() {
                break;
            }
            self.0[el] = parent;
            el = parent_el;
        }
        self.0[el] = item;
    }

    fn pop<T>(&mut self, nodes: &[Node<T>]) -> Option<usize> {
        let top = *self.0.first()?;
        let last = self.0.pop()?;
        if self.0.is_empty() {
            return Some(top);
        }
        // The last item goes to the top and down.
        let mut el = 0;
        loop {
            let mut kid_el = (el << 1) + 1;
            let Some(&kid) = self.0.get(kid_el) else {
                break;
            };
            let mut kid = kid;
            if let Some(&rkid) = self.0.get(kid_el + 1) {
                if newer_first(nodes, kid, rkid).is_gt() {
                    kid = rkid;
                    kid_el += 1;
                }
            }
            if newer_first(nodes, last, kid).is_le() {
                break;
            }
            self.0[el] = kid;
            el = kid_el;
        }
        self.0[el] = last;
        Some(top)
    }
}

/// The commits of a walk, oldest first, and for each what the caller kept and its first
/// parent.
pub type Walked<T> = (Vec<Oid>, Vec<(T, Option<Oid>)>);

/// Every commit reachable from `tips` (pushed in this order), oldest first in libgit2's
/// `TOPOLOGICAL | TIME | REVERSE` order, and what `read` kept of each with its first parent,
/// in the same order. `read(id)` gives a
/// commit's committer time, parents in order, and what to keep; `None` from it (a commit that
/// cannot be read) ends the walk with `None`, as libgit2's sorted walk fails as a whole.
pub fn walk<T>(
    tips: &[Oid],
    read: impl FnMut(Oid) -> Option<(i64, Vec<Oid>, T)>,
) -> Option<Walked<T>> {
    let mut g = Graph {
        nodes: Vec::new(),
        edges: Vec::new(),
        at: HashMap::new(),
        read,
    };
    // 1. The input list, last pushed first; repeats dropped.
    let mut list: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    for &tip in tips.iter().rev() {
        let n = g.lookup(tip)?;
        g.parse(n)?;
        if !g.nodes[n].seen {
            g.nodes[n].seen = true;
            list.push_back(n);
        }
    }
    // 2. limit_list.
    let mut limited = Vec::new();
    while let Some(c) = list.pop_front() {
        for e in g.parents(c) {
            let p = g.edges[e] as usize;
            g.parse(p)?;
            if !g.nodes[p].seen {
                g.nodes[p].seen = true;
                let time = g.nodes[p].time;
                let at = list
                    .iter()
                    .position(|&q| g.nodes[q].time < time)
                    .unwrap_or(list.len());
                list.insert(at, p);
            }
        }
        limited.push(c);
    }
    // No more lookups.
    g.at = HashMap::new();
    // 3. sort_in_topological_order.
    for &c in &limited {
        g.nodes[c].in_degree = 1;
    }
    for &c in &limited {
        for e in g.parents(c) {
            let p = g.edges[e] as usize;
            if g.nodes[p].in_degree != 0 {
                g.nodes[p].in_degree += 1;
            }
        }
    }
    let (nodes, edges) = (&mut g.nodes, &g.edges);
    let mut heap = Heap(Vec::new());
    for &c in &limited {
        if nodes[c].in_degree == 1 {
            heap.insert(nodes, c);
        }
    }
    let mut sorted = Vec::with_capacity(limited.len());
    drop(limited);
    while let Some(next) = heap.pop(nodes) {
        let (start, end) = nodes[next].parents;
        for &p in &edges[start as usize..end as usize] {
            let p = p as usize;
            if nodes[p].in_degree == 0 {
                continue;
            }
            nodes[p].in_degree -= 1;
            if nodes[p].in_degree == 1 {
                heap.insert(nodes, p);
            }
        }
        nodes[next].in_degree = 0;
        sorted.push(next);
    }
    // 4. Reversed: oldest first.
    let mut ids = Vec::with_capacity(sorted.len());
    let mut kept = Vec::with_capacity(sorted.len());
    for &n in sorted.iter().rev() {
        let (start, end) = g.nodes[n].parents;
        let first = (start < end).then(|| g.nodes[g.edges[start as usize] as usize].id);
        let node = &mut g.nodes[n];
        ids.push(node.id);
        kept.push((node.data.take()?, first));
    }
    Some((ids, kept))
}

#[cfg(test)]
mod tests {
    use super::*;
    use git2::{Repository, Sort};

    fn libgit2_order(repo: &Repository, tips: &[Oid]) -> Vec<Oid> {
        let mut walk = repo.revwalk().unwrap();
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME | Sort::REVERSE)
            .unwrap();
        for &t in tips {
            walk.push(t).unwrap();
        }
        walk.map(Result::unwrap).collect()
    }

    /// Random histories of merges and branches whose commits share a handful of times, with
    /// several tips (one the ancestor of another, one repeated): the order is libgit2's.
    #[test]
    fn order_is_libgit2s_on_random_histories_with_equal_times() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(tmp.path()).unwrap();
        let tree = {
            let b = repo.treebuilder(None).unwrap();
            repo.find_tree(b.write().unwrap()).unwrap()
        };
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut rand = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut compared = 0;
        for round in 0..100 {
            let mut commits: Vec<Oid> = Vec::new();
            let n = 5 + rand(60);
            for i in 0..n {
                // Times mostly rising, often equal, sometimes going back (clock skew).
                let time = 1_000_000 + i64::try_from(rand(4)).unwrap() * 10
                    - i64::try_from(rand(3)).unwrap() * 5;
                let sig = git2::Signature::new("t", "t@example.invalid", &git2::Time::new(time, 0))
                    .unwrap();
                let mut parents = Vec::new();
                if !commits.is_empty() && rand(8) != 0 {
                    let k = usize::try_from(rand(commits.len() as u64)).unwrap();
                    parents.push(repo.find_commit(commits[k]).unwrap());
                    if rand(3) == 0 {
                        let k = usize::try_from(rand(commits.len() as u64)).unwrap();
                        parents.push(repo.find_commit(commits[k]).unwrap());
                    }
                }
                let refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
                let msg = format!("r{round} c{i}");
                commits.push(repo.commit(None, &sig, &sig, &msg, &tree, &refs).unwrap());
            }
            let mut tips: Vec<Oid> = (0..1 + rand(12))
                .map(|_| commits[usize::try_from(rand(commits.len() as u64)).unwrap()])
                .collect();
            tips.push(*commits.last().unwrap());
            let want = libgit2_order(&repo, &tips);
            let got = walk(&tips, |id| {
                let c = repo.find_commit(id).ok()?;
                let parents: Vec<Oid> = c.parent_ids().collect();
                let time = c.committer().when().seconds();
                Some((time, parents, ()))
            })
            .unwrap();
            assert_eq!(got.0, want, "round {round}");
            compared += want.len();
        }
        assert!(compared > 800, "{compared}");
    }

    #[test]
    fn an_unreadable_commit_fails_the_walk() {
        let a = Oid::from_bytes(&[1; 20]).unwrap();
        let b = Oid::from_bytes(&[2; 20]).unwrap();
        let got = walk(&[a], |id| (id == a).then(|| (0, vec![b], ())));
        assert!(got.is_none());
        let got = walk(&[a], |id| (id == a).then(|| (0, vec![], ()))).unwrap();
        assert_eq!(got.0, [a]);
    }
}
