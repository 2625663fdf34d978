//! Access grants in the model files: `access_grants:` (each grant once across all files, with
//! a user attribute and the values that hold it), the `required_access_grants` of views and
//! fields (defined grants only), and each field's effective grants (closed over references).

use std::collections::{BTreeMap, BTreeSet};

use super::context::{At, Ctx};
use super::spec::FileSpec;
use super::unique::UniqueNames;
use crate::error::{Code, did_you_mean};
use crate::model::{AccessGrant, Field, FieldKind, View};
use crate::refs::refs;
use crate::yaml_pos::{Seg, ypath};

/// The grants of every file, by name; a duplicate or an incomplete grant is reported and left
/// out (so an explore requiring it is reported too, and the model fails closed).
pub(super) fn load_grants(
    ctx: &mut Ctx<'_>,
    specs: &[(usize, FileSpec)],
) -> BTreeMap<String, AccessGrant> {
    let mut grants = BTreeMap::new();
    let mut names = UniqueNames::across_files("access grant");
    for (fi, s) in specs {
        for (gi, g) in s.access_grants.iter().enumerate() {
            let name_p = ypath!["access_grants", gi, "name"];
            if !names.claim(ctx, *fi, At::Value(&name_p), &g.name) {
                continue;
            }
            let problem = if g.user_attribute.trim().is_empty() {
                Some((
                    "user_attribute",
                    "names no user attribute",
                    "write 'user_attribute: <attribute name>'",
                ))
            } else if g.allowed_values.is_empty() {
                Some((
                    "allowed_values",
                    "allows no value",
                    "list the attribute values that hold it under 'allowed_values'",
                ))
            } else {
                None
            };
            if let Some((key, what, hint)) = problem {
                let p = ypath!["access_grants", gi, key];
                ctx.report(
                    *fi,
                    At::Value(&p),
                    Code::InvalidAccessGrant,
                    format!("access grant '{}' {what}", g.name),
                    Some(hint.into()),
                );
                continue;
            }
            grants.insert(
                g.name.clone(),
                AccessGrant {
                    name: g.name.clone(),
                    user_attribute: g.user_attribute.clone(),
                    allowed_values: g.allowed_values.clone(),
                },
            );
        }
    }
    grants
}

/// `required_access_grants` of views, dimensions and measures must name defined grants.
pub(super) fn check_field_grants(
    ctx: &mut Ctx<'_>,
    specs: &[(usize, FileSpec)],
    grants: &BTreeMap<String, AccessGrant>,
) {
    for (fi, s) in specs {
        for (vi, v) in s.views.iter().enumerate() {
            let mut lists: Vec<(Vec<Seg>, String, &[String])> = vec![(
                ypath!["views", vi, "required_access_grants"].to_vec(),
                format!("view '{}'", v.name),
                &v.required_access_grants,
            )];
            for (di, d) in v.dimensions.iter().enumerate() {
                lists.push((
                    ypath!["views", vi, "dimensions", di, "required_access_grants"].to_vec(),
                    format!("dimension '{}.{}'", v.name, d.name),
                    &d.required_access_grants,
                ));
            }
            for (mi, m) in v.measures.iter().enumerate() {
                lists.push((
                    ypath!["views", vi, "measures", mi, "required_access_grants"].to_vec(),
                    format!("measure '{}.{}'", v.name, m.name),
                    &m.required_access_grants,
                ));
            }
            for (list_p, owner, names) in lists {
                for (i, g) in names.iter().enumerate() {
                    if !grants.contains_key(g) {
                        report_unknown_grant(ctx, (*fi, &list_p, i), g, &owner, grants);
                    }
                }
            }
        }
    }
}

/// `unknown-access-grant` at the `i`th entry of the list at `list_p` of file `fi` (a flow
/// list's entry is found by its text); `owner` names what requires it (`explore 'orders'`).
pub(super) fn report_unknown_grant(
    ctx: &mut Ctx<'_>,
    (fi, list_p, i): (usize, &[Seg], usize),
    grant: &str,
    owner: &str,
    grants: &BTreeMap<String, AccessGrant>,
) {
    let mut p = list_p.to_vec();
    p.push(Seg::Index(i));
    let at = if ctx.key_pos(fi, &p) == ctx.key_pos(fi, list_p) {
        At::Find(&p, grant)
    } else {
        At::Value(&p)
    };
    ctx.report(
        fi,
        at,
        Code::UnknownAccessGrant,
        format!("{owner} requires unknown access grant '{grant}'"),
        did_you_mean(grant, grants.keys().map(String::as_str))
            .or_else(|| Some("define it under 'access_grants:'".into())),
    );
}

/// Give every field the grants it really needs: its view's, and those of every field its SQL
/// (`${field}`, `${view.field}`) or measure filters refer to, through any number of steps.
/// References have no cycles (the loader refused them), so this settles.
pub(super) fn close_grants(views: &mut BTreeMap<String, View>) {
    for v in views.values_mut() {
        let own = v.required_access_grants.clone();
        v.fields
            .values_mut()
            .for_each(|f| f.required_access_grants.extend(own.iter().cloned()));
        v.dims
            .values_mut()
            .for_each(|d| d.grants.extend(own.iter().cloned()));
    }
    let rounds = views.values().map(|v| v.fields.len()).sum::<usize>() + 1;
    for _ in 0..rounds {
        let mut adds: Vec<(String, String, BTreeSet<String>)> = Vec::new();
        for (vn, v) in views.iter() {
            for (fname, f) in &v.fields {
                let mut need = BTreeSet::new();
                for (alias, name) in referenced(f) {
                    let target = alias.map_or(Some(v), |a| views.get(a));
                    if let Some(t) = target {
                        need.extend(grants_of(t, name));
                    }
                }
                if !need.is_subset(&f.required_access_grants) {
                    adds.push((vn.clone(), fname.clone(), need));
                }
            }
        }
        if adds.is_empty() {
            return;
        }
        for (vn, fname, need) in adds {
            let Some(v) = views.get_mut(&vn) else {
                continue;
            };
            let decl = match v.fields.get(&fname).map(|f| &f.kind) {
                Some(FieldKind::Dimension(d)) => Some(d.group.clone().unwrap_or(fname.clone())),
                _ => None,
            };
            if let Some(f) = v.fields.get_mut(&fname) {
                f.required_access_grants.extend(need.iter().cloned());
            }
            if let Some(d) = decl.and_then(|n| v.dims.get_mut(&n)) {
                d.grants.extend(need);
            }
        }
    }
}

/// The grants of `name` in view `v`: a field's, or a declared dimension's (a time dimension
/// referred to by its base name).
fn grants_of(v: &View, name: &str) -> BTreeSet<String> {
    v.fields
        .get(name)
        .map(|f| f.required_access_grants.clone())
        .or_else(|| v.dims.get(name).map(|d| d.grants.clone()))
        .unwrap_or_default()
}

/// What a field refers to: `${...}` in its SQL, and a measure's filter fields.
fn referenced(f: &Field) -> Vec<(Option<&str>, &str)> {
    let mut out = Vec::new();
    match &f.kind {
        FieldKind::Dimension(d) => out.extend(refs(&d.sql).iter().map(|r| r.split())),
        FieldKind::Measure(m) => {
            if let Some(sql) = &m.sql {
                out.extend(refs(sql).iter().map(|r| r.split()));
            }
            for (field, _) in &m.filters {
                out.push(match field.split_once('.') {
                    Some((a, n)) => (Some(a), n),
                    None => (None, field.as_str()),
                });
            }
        }
    }
    out
}
