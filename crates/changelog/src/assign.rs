//! Which release each commit belongs to, from the commit graph.

use std::collections::HashMap;

/// A commit of the graph: its id and its parents' ids.
pub trait GraphNode {
    /// The commit id.
    fn id(&self) -> &str;
    /// The ids of its parents.
    fn parents(&self) -> &[String];
}

/// For each commit of `graph`, the release it belongs to: the index in
/// `releases` of the oldest release whose tag reaches it, or `None` when
/// no release reaches it (it is unreleased).
///
/// `releases` are the commits the release tags point at, **oldest first**
/// (ascending SemVer precedence). This is `git log previous..tag` for each
/// release, so commits merged from branches and parallel lines land in the
/// first release that contains them, whatever their dates. Each commit is
/// visited once: the walk from a tag stops at commits an older release has.
///
/// ```
/// use relkit_changelog::{assign, GraphNode};
///
/// struct C(&'static str, Vec<String>);
/// impl GraphNode for C {
///     fn id(&self) -> &str { self.0 }
///     fn parents(&self) -> &[String] { &self.1 }
/// }
/// // a <- b <- d (merge of b and c) <- e;  c branches from a.
/// let p = |ps: &[&str]| ps.iter().map(|s| s.to_string()).collect();
/// let graph = [C("e", p(&["d"])), C("d", p(&["b", "c"])), C("c", p(&["a"])), C("b", p(&["a"])), C("a", p(&[]))];
/// // v1.0.0 tags b, v1.1.0 tags d.
/// let owner = assign(&graph, &["b", "d"]);
/// assert_eq!(owner, [None, Some(1), Some(1), Some(0), Some(0)]);
/// ```
pub fn assign<N: GraphNode>(graph: &[N], releases: &[&str]) -> Vec<Option<usize>> {
    let index: HashMap<&str, usize> = graph.iter().enumerate().map(|(i, n)| (n.id(), i)).collect();
    let mut owner: Vec<Option<usize>> = vec![None; graph.len()];
    let mut stack: Vec<usize> = Vec::new();
    for (r, tip) in releases.iter().enumerate() {
        if let Some(&start) = index.get(tip) {
            stack.push(start);
        }
        while let Some(i) = stack.pop() {
            let Some(slot) = owner.get_mut(i) else {
                continue;
            };
            if slot.is_some() {
                continue;
            }
            *slot = Some(r);
            if let Some(node) = graph.get(i) {
                stack.extend(
                    node.parents()
                        .iter()
                        .filter_map(|p| index.get(p.as_str()).copied()),
                );
            }
        }
    }
    owner
}
