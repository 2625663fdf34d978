//! Building one [`Explore`] from its YAML: the base view, the joins (known views, one alias
//! each, a relationship, a `sql_on` that refers to a view joined before), `always_filter`,
//! `sql_always_where`, the `fields` restriction, and a primary key on every view a join fans
//! out.

use crate::error::Code;
use std::collections::{BTreeMap, BTreeSet};

use super::access::report_unknown_grant;
use super::context::{At, Ctx};
use super::spec::{ExploreSpec, JoinSpec};
use crate::compile::joins;
use crate::error::did_you_mean;
use crate::model::{
    AccessFilter, AccessGrant, Explore, Field, FieldKind, Join, JoinType, Relationship, View,
};
use crate::refs::refs;
use crate::yaml_pos::{Seg, ypath};

/// Build explore `e`, the `ei`th of file `fi`, over the built `views`. `None` when anything is
/// wrong (all of it reported).
pub(super) fn build_explore(
    ctx: &mut Ctx<'_>,
    fi: usize,
    ei: usize,
    e: &ExploreSpec,
    views: &BTreeMap<String, View>,
    grants: &BTreeMap<String, AccessGrant>,
) -> Option<Explore> {
    let base = e.view.clone().unwrap_or_else(|| e.name.clone());
    if !views.contains_key(&base) {
        let key = if e.view.is_some() { "view" } else { "name" };
        ctx.report(
            fi,
            At::Value(&ypath!["explores", ei, key]),
            Code::UnknownView,
            format!("unknown view '{base}' in explore '{}'", e.name),
            did_you_mean(&base, views.keys().map(String::as_str)),
        );
        return None;
    }
    let mut check = ExploreCheck {
        fi,
        ei,
        e,
        views,
        aliases: vec![(base.clone(), base.clone())],
        ok: true,
    };
    let mut joins = Vec::new();
    for (ji, j) in e.joins.iter().enumerate() {
        joins.extend(check.join(ctx, ji, j, &base));
    }
    let explore = Explore {
        name: e.name.clone(),
        view: base,
        label: e.label.clone(),
        description: e.description.clone(),
        joins,
        always_filter: e
            .always_filter
            .iter()
            .map(|f| (f.field.clone(), f.value.clone()))
            .collect(),
        sql_always_where: e.sql_always_where.clone(),
        fields: e.fields.clone(),
        access_filters: e
            .access_filters
            .iter()
            .map(|f| AccessFilter {
                field: f.field.clone(),
                user_attribute: f.user_attribute.clone(),
            })
            .collect(),
        required_access_grants: e.required_access_grants.clone(),
    };
    check.always_filter(ctx, &explore);
    check.access(ctx, &explore, grants);
    if let Some(w) = &explore.sql_always_where {
        let p = ypath!["explores", ei, "sql_always_where"];
        check.explore_sql(
            ctx,
            &p,
            w,
            &format!("'sql_always_where' of explore '{}'", e.name),
            "'sql_always_where'",
            &format!("write '${{{}.{{n}}}}'", explore.view),
        );
    }
    check.fields(ctx, &explore);
    check.fanout_primary_keys(ctx, &explore);
    check.ok.then_some(explore)
}

/// An explore being checked: the `ei`th explore `e` of file `fi`, the aliases joined so far
/// (alias, view), and whether all is well so far.
struct ExploreCheck<'e> {
    fi: usize,
    ei: usize,
    e: &'e ExploreSpec,
    views: &'e BTreeMap<String, View>,
    aliases: Vec<(String, String)>,
    ok: bool,
}

impl ExploreCheck<'_> {
    /// Check the `ji`th join and make it an alias; the [`Join`] when it has a relationship.
    fn join(&mut self, ctx: &mut Ctx<'_>, ji: usize, j: &JoinSpec, base: &str) -> Option<Join> {
        let (fi, ei, explore) = (self.fi, self.ei, &self.e.name);
        let jp = |k: &str| ypath!["explores", ei, "joins", ji, k];
        let view = j.from.clone().unwrap_or_else(|| j.name.clone());
        if !self.views.contains_key(&view) {
            let p = jp(if j.from.is_some() { "from" } else { "name" });
            ctx.report(
                fi,
                At::Value(&p),
                Code::UnknownView,
                format!("unknown view '{view}' in join of explore '{explore}'"),
                did_you_mean(&view, self.views.keys().map(String::as_str)),
            );
            self.ok = false;
            return None;
        }
        if self.aliases.iter().any(|(a, _)| *a == j.name) {
            ctx.report(
                fi,
                At::Value(&jp("name")),
                Code::AmbiguousJoin,
                format!("'{}' is joined twice in explore '{explore}'", j.name),
                Some(format!(
                    "give this join its own 'name' and set 'from: {view}' so each path has a clear alias"
                )),
            );
            self.ok = false;
            return None;
        }
        let relationship = self.relationship(ctx, ji, j);
        let join_type = self.join_type(ctx, ji, j);
        self.aliases.push((j.name.clone(), view.clone()));
        let Some(sql_on) = &j.sql_on else {
            ctx.report(
                fi,
                At::Value(&jp("name")),
                Code::MissingSqlOn,
                format!("join '{}' in explore '{explore}' has no 'sql_on'", j.name),
                Some(format!(
                    "add e.g. 'sql_on: ${{{base}.id}} = ${{{}.id}}'",
                    j.name
                )),
            );
            self.ok = false;
            return None;
        };
        let p = jp("sql_on");
        let referenced = self.explore_sql(
            ctx,
            &p,
            sql_on,
            &format!("'sql_on' of join '{}'", j.name),
            &format!("'sql_on' of join '{}'", j.name),
            &format!("write '${{{}.{{n}}}}' or '${{<view>.{{n}}}}'", j.name),
        );
        let depends_on: Vec<String> = referenced.into_iter().filter(|a| *a != j.name).collect();
        if self.ok && depends_on.is_empty() {
            ctx.report(
                fi,
                At::Value(&p),
                Code::InvalidJoin,
                format!(
                    "'sql_on' of join '{}' does not refer to any other view",
                    j.name
                ),
                Some(format!(
                    "compare a field of '{}' with a field of a view joined before it",
                    j.name
                )),
            );
            self.ok = false;
        }
        Some(Join {
            name: j.name.clone(),
            view,
            sql_on: sql_on.clone(),
            relationship: relationship?,
            join_type,
            depends_on,
        })
    }

    /// The join's `relationship`: required, one of the four.
    fn relationship(&mut self, ctx: &mut Ctx<'_>, ji: usize, j: &JoinSpec) -> Option<Relationship> {
        let (fi, ei) = (self.fi, self.ei);
        let Some(r) = &j.relationship else {
            ctx.report(
                fi,
                At::Value(&ypath!["explores", ei, "joins", ji, "name"]),
                Code::MissingRelationship,
                format!(
                    "join '{}' in explore '{}' has no 'relationship'",
                    j.name, self.e.name
                ),
                Some(
                    "add 'relationship: many_to_one' (or one_to_many, one_to_one, many_to_many)"
                        .into(),
                ),
            );
            self.ok = false;
            return None;
        };
        let parsed = Relationship::parse(r);
        if parsed.is_none() {
            ctx.report(
                fi,
                At::Value(&ypath!["explores", ei, "joins", ji, "relationship"]),
                Code::InvalidType,
                format!("unknown relationship '{r}' in join '{}'", j.name),
                did_you_mean(
                    r,
                    ["many_to_one", "one_to_many", "one_to_one", "many_to_many"],
                )
                .or_else(|| {
                    Some("use many_to_one, one_to_many, one_to_one or many_to_many".into())
                }),
            );
            self.ok = false;
        }
        parsed
    }

    /// The join's `type`: left (default), inner or full.
    fn join_type(&mut self, ctx: &mut Ctx<'_>, ji: usize, j: &JoinSpec) -> JoinType {
        match j.ty.as_deref() {
            None | Some("left") | Some("left_outer") => JoinType::Left,
            Some("inner") => JoinType::Inner,
            Some("full") | Some("full_outer") => JoinType::Full,
            Some(t) => {
                ctx.report(
                    self.fi,
                    At::Value(&ypath!["explores", self.ei, "joins", ji, "type"]),
                    Code::InvalidType,
                    format!("unknown join type '{t}' in join '{}'", j.name),
                    did_you_mean(t, ["left", "inner", "full"])
                        .or_else(|| Some("use left, inner or full".into())),
                );
                self.ok = false;
                JoinType::Left
            }
        }
    }

    /// `always_filter`: each on `alias.field` of the explore, with an expression that parses.
    fn always_filter(&mut self, ctx: &mut Ctx<'_>, explore: &Explore) {
        let (fi, ei) = (self.fi, self.ei);
        for (i, (field, value)) in explore.always_filter.iter().enumerate() {
            let fp = ypath!["explores", ei, "always_filter", i, "field"];
            let Some((a, f)) = field.split_once('.') else {
                ctx.report(
                    fi,
                    At::Value(&fp),
                    Code::UnknownField,
                    format!("field '{field}' needs a view: 'view.field'"),
                    None,
                );
                self.ok = false;
                continue;
            };
            if !self.alias_field(ctx, At::Value(&fp), a, f, false) {
                self.ok = false;
                continue;
            }
            let view = self.aliases.iter().find(|(x, _)| x == a).map(|(_, v)| v);
            if let Some(Field {
                kind: FieldKind::Dimension(d),
                ..
            }) = view
                .and_then(|v| self.views.get(v))
                .and_then(|v| v.fields.get(f))
            {
                let vp = ypath!["explores", ei, "always_filter", i, "value"];
                ctx.check_filter_value(fi, &vp, d, field, value);
            }
        }
    }

    /// `access_filters` (a dimension of a joined view, a user attribute) and
    /// `required_access_grants` (grants the model defines).
    fn access(
        &mut self,
        ctx: &mut Ctx<'_>,
        explore: &Explore,
        grants: &BTreeMap<String, AccessGrant>,
    ) {
        let (fi, ei) = (self.fi, self.ei);
        for (i, f) in explore.access_filters.iter().enumerate() {
            let fp = ypath!["explores", ei, "access_filters", i, "field"];
            let known = match f.field.split_once('.') {
                Some((a, name)) => self.alias_field(ctx, At::Value(&fp), a, name, true),
                None => {
                    ctx.report(
                        fi,
                        At::Value(&fp),
                        Code::UnknownField,
                        format!("field '{}' needs a view: 'view.field'", f.field),
                        None,
                    );
                    false
                }
            };
            if f.user_attribute.trim().is_empty() {
                let ap = ypath!["explores", ei, "access_filters", i, "user_attribute"];
                ctx.report(
                    fi,
                    At::Value(&ap),
                    Code::InvalidAccessGrant,
                    format!("access filter on '{}' names no user attribute", f.field),
                    Some("write 'user_attribute: <attribute name>'".into()),
                );
                self.ok = false;
            }
            self.ok &= known;
        }
        let list_p = ypath!["explores", ei, "required_access_grants"];
        let owner = format!("explore '{}'", explore.name);
        for (i, g) in explore.required_access_grants.iter().enumerate() {
            if !grants.contains_key(g) {
                report_unknown_grant(ctx, (fi, &list_p, i), g, &owner, grants);
                self.ok = false;
            }
        }
    }

    /// `fields`: `alias.field`, `alias.*`, their `-` exclusions, or `ALL_FIELDS*`.
    fn fields(&mut self, ctx: &mut Ctx<'_>, explore: &Explore) {
        let (fi, ei) = (self.fi, self.ei);
        let list_p = ypath!["explores", ei, "fields"];
        for (i, f) in explore.fields.iter().enumerate() {
            let fp = ypath!["explores", ei, "fields", i];
            let name = f.strip_prefix('-').unwrap_or(f);
            if name == "ALL_FIELDS*" {
                continue;
            }
            // a flow list (`[a.x, a.y]`) has no position per item: find the name in it
            let at = if ctx.key_pos(fi, &fp) == ctx.key_pos(fi, &list_p) {
                At::Find(&fp, name)
            } else {
                At::Value(&fp)
            };
            match name.split_once('.') {
                Some((a, "*")) => {
                    if !self.aliases.iter().any(|(x, _)| x == a) {
                        ctx.report(
                            fi,
                            at,
                            Code::UnknownView,
                            format!(
                                "unknown view '{a}' in 'fields' of explore '{}'",
                                explore.name
                            ),
                            did_you_mean(a, self.aliases.iter().map(|(x, _)| x.as_str())),
                        );
                        self.ok = false;
                    }
                }
                Some((a, fl)) => {
                    if !self.alias_field(ctx, at, a, fl, false) {
                        self.ok = false;
                    }
                }
                None => {
                    ctx.report(
                        fi,
                        at,
                        Code::UnknownField,
                        format!("field '{name}' needs a view: 'view.field' or 'view.*'"),
                        None,
                    );
                    self.ok = false;
                }
            }
        }
    }

    /// Every view a join fans out needs a primary key when it has fan-out-sensitive measures
    /// (the compiler aggregates it per primary key; see [`joins::fanning_join`]).
    fn fanout_primary_keys(&mut self, ctx: &mut Ctx<'_>, explore: &Explore) {
        let all: BTreeSet<&str> = explore.aliases().collect();
        for alias in explore.aliases() {
            let Some(view) = explore.view_of(alias).and_then(|v| self.views.get(v)) else {
                continue;
            };
            let sensitive = view
                .fields
                .values()
                .any(|f| matches!(&f.kind, FieldKind::Measure(m) if m.ty.is_fanout_sensitive()));
            if !sensitive || view.primary_key.is_some() {
                continue;
            }
            if let Some(ji) = joins::fanning_join(explore, &all, alias) {
                let jname = &explore.joins[ji].name;
                let jidx = self
                    .e
                    .joins
                    .iter()
                    .position(|j| j.name == *jname)
                    .unwrap_or(0);
                ctx.report(
                    self.fi,
                    At::Value(&ypath!["explores", self.ei, "joins", jidx, "relationship"]),
                    Code::FanoutWithoutPrimaryKey,
                    format!(
                        "join '{jname}' fans out view '{}', which has no 'primary_key'",
                        view.name
                    ),
                    Some(format!(
                        "add 'primary_key' to view '{}' so its measures stay correct",
                        view.name
                    )),
                );
                self.ok = false;
            }
        }
    }

    /// Check an explore-level SQL snippet (`sql_on`, `sql_always_where`) at `p`: it parses,
    /// and every `${alias.field}` names a dimension of a view joined so far. Returns the aliases
    /// referred to, in order of first use. `what` names the snippet in the parse error, `place`
    /// in the bare-reference error, whose hint is `bare_hint` with `{n}` for the name.
    fn explore_sql(
        &mut self,
        ctx: &mut Ctx<'_>,
        p: &[Seg],
        sql: &str,
        what: &str,
        place: &str,
        bare_hint: &str,
    ) -> Vec<String> {
        let fi = self.fi;
        let mut referenced: Vec<String> = Vec::new();
        if let Err(err) = ctx.check_expr(sql) {
            ctx.report(
                fi,
                At::Value(p),
                Code::InvalidSql,
                format!("invalid sql in {what}: {err}"),
                None,
            );
            self.ok = false;
        }
        for r in refs(sql) {
            let needle = format!("${{{}}}", r.inner);
            let at = At::Find(p, &needle);
            match r.split() {
                (Some(a), f) => {
                    if !self.alias_field(ctx, at, a, f, true) {
                        self.ok = false;
                    } else if !referenced.iter().any(|d| d == a) {
                        referenced.push(a.to_string());
                    }
                }
                (None, n) => {
                    ctx.report(
                        fi,
                        at,
                        Code::InvalidReference,
                        format!("'${{{n}}}' in {place} does not name a view"),
                        Some(bare_hint.replace("{n}", n)),
                    );
                    self.ok = false;
                }
            }
        }
        referenced
    }

    /// Check `alias.field` against the aliases joined so far. `dims_only` rejects measures.
    fn alias_field(
        &self,
        ctx: &mut Ctx<'_>,
        at: At<'_>,
        alias: &str,
        field: &str,
        dims_only: bool,
    ) -> bool {
        let (fi, explore) = (self.fi, &self.e.name);
        let Some((_, view)) = self.aliases.iter().find(|(a, _)| a == alias) else {
            ctx.report(
                fi,
                at,
                Code::UnknownView,
                format!("unknown view '{alias}' in explore '{explore}'"),
                did_you_mean(alias, self.aliases.iter().map(|(a, _)| a.as_str()))
                    .or_else(|| Some("join the view before referring to it".into())),
            );
            return false;
        };
        let Some(v) = self.views.get(view) else {
            return false;
        };
        let found = v
            .fields
            .get(field)
            .map(|f| f.is_dimension())
            .or_else(|| v.dims.get(field).map(|_| true));
        match found {
            Some(true) => true,
            Some(false) if !dims_only => true,
            Some(false) => {
                ctx.report(
                    fi,
                    at,
                    Code::InvalidReference,
                    format!("'{alias}.{field}' is a measure; only dimensions can be used here"),
                    None,
                );
                false
            }
            None => {
                ctx.report(
                    fi,
                    at,
                    Code::UnknownField,
                    format!("unknown field '{field}' in view '{alias}'"),
                    did_you_mean(
                        field,
                        v.fields.keys().chain(v.dims.keys()).map(String::as_str),
                    ),
                );
                false
            }
        }
    }
}
