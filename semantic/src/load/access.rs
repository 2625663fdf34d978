//! `access_grants:` in the model files: each grant once across all files, with a user
//! attribute and the values that hold it.

use std::collections::BTreeMap;

use super::context::{At, Ctx};
use super::spec::FileSpec;
use super::unique::UniqueNames;
use crate::error::Code;
use crate::model::AccessGrant;
use crate::yaml_pos::ypath;

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
