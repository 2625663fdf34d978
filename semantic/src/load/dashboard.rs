//! Dashboards written in model files: unique names across files, each checked against the
//! finished model ([`DashboardExt::check`]: its tile queries must compile), its problems
//! reported at their place in the YAML, and the good ones laid out on the grid.

use std::collections::BTreeMap;

use super::context::{At, Ctx};
use super::spec::FileSpec;
use super::unique::UniqueNames;
use crate::dashboard::{DashboardExt, PathSeg};
use crate::model::Model;
use crate::yaml_pos::{Seg, ypath};
use boltic_types::Dashboard;

/// The dashboards of all files (`specs`: file index and its contents) that have no problem
/// against `model`, by name; every problem is reported.
pub(super) fn load_dashboards(
    ctx: &mut Ctx<'_>,
    specs: &[(usize, FileSpec)],
    model: &Model,
) -> BTreeMap<String, Dashboard> {
    let mut dashboards = BTreeMap::new();
    let mut names = UniqueNames::across_files("dashboard");
    for (fi, s) in specs {
        for (di, d) in s.dashboards.iter().enumerate() {
            let name_p = ypath!["dashboards", di, "name"];
            if !names.claim(ctx, *fi, At::Value(&name_p), &d.name) {
                continue;
            }
            let problems = d.check(model);
            for p in &problems {
                let mut path = vec![Seg::from("dashboards"), Seg::from(di)];
                path.extend(p.path.iter().map(|s| match s {
                    PathSeg::Key(k) => Seg::from(*k),
                    PathSeg::Index(i) => Seg::from(*i),
                }));
                let at = match p.subject.as_deref() {
                    Some(n) => At::Find(&path, n),
                    None => At::Value(&path),
                };
                ctx.report(*fi, at, p.code, p.message.clone(), p.hint.clone());
            }
            if problems.is_empty() {
                let mut d = d.clone();
                d.place_tiles();
                dashboards.insert(d.name.clone(), d);
            }
        }
    }
    dashboards
}
