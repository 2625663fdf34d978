//! Join trees: which joins a query needs, and which views they fan out. The loader uses the
//! same rule to require a primary key where an explore can fan a view out.

use std::collections::BTreeSet;

use crate::model::{Explore, Relationship};

/// The parent of an alias in the join tree (the first alias its `sql_on` refers to).
fn parent<'a>(explore: &'a Explore, alias: &str) -> Option<&'a str> {
    explore
        .joins
        .iter()
        .find(|j| j.name == alias)
        .and_then(|j| j.depends_on.first())
        .map(String::as_str)
}

/// True when `alias` is `root` or below it in the join tree.
fn in_subtree(explore: &Explore, alias: &str, root: &str) -> bool {
    let mut cur = Some(alias);
    let mut steps = 0;
    while let Some(a) = cur {
        if a == root {
            return true;
        }
        steps += 1;
        if steps > explore.joins.len() + 1 {
            return false;
        }
        cur = parent(explore, a);
    }
    false
}

/// Index of the first included join that repeats the rows of `alias` (None: rows stay unique).
pub(crate) fn fanning_join(
    explore: &Explore,
    included: &BTreeSet<&str>,
    alias: &str,
) -> Option<usize> {
    explore.joins.iter().position(|j| {
        if !included.contains(j.name.as_str()) {
            return false;
        }
        let below = in_subtree(explore, alias, &j.name);
        match j.relationship {
            Relationship::ManyToMany => true,
            Relationship::OneToOne => false,
            Relationship::ManyToOne => below,
            Relationship::OneToMany => !below,
        }
    })
}

/// Close a set of aliases over `sql_on` dependencies (the base view is always included).
pub(crate) fn close<'a>(explore: &'a Explore, mut needed: BTreeSet<&'a str>) -> BTreeSet<&'a str> {
    needed.insert(explore.view.as_str());
    loop {
        let mut added = false;
        for j in explore.joins.iter().rev() {
            if needed.contains(j.name.as_str()) {
                for d in &j.depends_on {
                    added |= needed.insert(d.as_str());
                }
            }
        }
        if !added {
            return needed;
        }
    }
}
