//! Loading: YAML files -> [`Model`] plus every [`Diagnostic`].
//!
//! All files are read at once ([`spec`]), then checked by construct, each problem reported with
//! its place in the YAML ([`context`]): the time zone (here), views ([`view`], then the
//! references between their fields in [`view_refs`]), explores ([`explore`]), and, against the
//! finished model, dashboards ([`dashboard`]). Names that must be unique go through one check
//! ([`unique`]).
//!
//! Files depend one way: `mod` → the construct files → `unique` → `context`; `spec` is shared.

mod access;
mod context;
mod dashboard;
mod drill;
mod explore;
mod format;
mod spec;
mod unique;
mod view;
mod view_refs;

use crate::error::Code;
use std::collections::BTreeMap;

use context::{At, Ctx};
use spec::FileSpec;
use unique::UniqueNames;

use crate::error::{Diagnostic, Severity, did_you_mean};
use crate::model::{Model, SourceFile, View};
use crate::timezone::check_timezone;
use crate::yaml_pos::ypath;

/// Load and validate model files. Returns the model only if there are no errors; the
/// diagnostics list every problem found.
pub fn load(files: &[SourceFile]) -> (Option<Model>, Vec<Diagnostic>) {
    let mut ctx = Ctx::new(files);
    let specs = parse_files(&mut ctx);
    let timezone = model_timezone(&mut ctx, &specs);

    let access_grants = access::load_grants(&mut ctx, &specs);
    access::check_field_grants(&mut ctx, &specs, &access_grants);
    let mut views: BTreeMap<String, View> = BTreeMap::new();
    let mut view_names = UniqueNames::across_files("view");
    let mut view_specs = Vec::new();
    for (fi, s) in &specs {
        for (vi, v) in s.views.iter().enumerate() {
            let name_p = ypath!["views", vi, "name"];
            if !view_names.claim(&mut ctx, *fi, At::Value(&name_p), &v.name) {
                continue;
            }
            if let Some(view) = view::build_view(&mut ctx, *fi, vi, v) {
                views.insert(v.name.clone(), view);
                view_specs.push((*fi, vi, v));
            }
        }
    }
    for (fi, vi, v) in &view_specs {
        view_refs::check_view_refs(&mut ctx, *fi, *vi, v, &views);
        drill::check_drill_fields(&mut ctx, *fi, *vi, v, &views);
    }
    access::close_grants(&mut views);

    let mut explores = BTreeMap::new();
    let mut explore_names = UniqueNames::across_files("explore");
    for (fi, s) in &specs {
        for (ei, e) in s.explores.iter().enumerate() {
            let name_p = ypath!["explores", ei, "name"];
            if !explore_names.claim(&mut ctx, *fi, At::Value(&name_p), &e.name) {
                continue;
            }
            if let Some(x) = explore::build_explore(&mut ctx, *fi, ei, e, &views, &access_grants) {
                explores.insert(e.name.clone(), x);
            }
        }
    }

    if ctx.has_errors() {
        return (None, ctx.diags);
    }
    let mut model = Model {
        timezone: timezone.unwrap_or_else(|| "UTC".to_string()),
        views,
        explores,
        dashboards: BTreeMap::new(),
        access_grants,
        sql: std::mem::take(&mut ctx.sql),
    };
    // dashboards are checked against the finished model (their tile queries must compile)
    model.dashboards = dashboard::load_dashboards(&mut ctx, &specs, &model);
    let model = (!ctx.has_errors()).then_some(model);
    (model, ctx.diags)
}

/// Every file's YAML as a [`FileSpec`] (with the file's index); a file that does not parse or
/// has the wrong shape is a `syntax` diagnostic, and an empty file has nothing.
fn parse_files(ctx: &mut Ctx<'_>) -> Vec<(usize, FileSpec)> {
    let mut specs = Vec::new();
    for (fi, f) in ctx.files.iter().enumerate() {
        match serde_yaml::from_str::<Option<FileSpec>>(&f.text) {
            Ok(Some(s)) => specs.push((fi, s)),
            Ok(None) => {}
            Err(e) => {
                let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
                // the end of the text (an unfinished last line) is reported on the line after
                // it: point at the end of the last line instead
                let (line, column) = within_text(&f.text, line, column);
                let msg = e.to_string();
                let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
                let hint = unknown_key_hint(&msg);
                ctx.diags.push(Diagnostic {
                    file: f.name.clone(),
                    line,
                    column,
                    severity: Severity::Error,
                    code: Code::Syntax,
                    message: msg,
                    hint,
                });
            }
        }
    }
    specs
}

/// `(line, column)` moved onto the text: a place past its last line becomes the end of the last
/// line (lines as YAML counts them: CRLF, LF or a lone CR end one).
fn within_text(text: &str, line: usize, column: usize) -> (usize, usize) {
    let lines: Vec<&str> = text.split(['\n', '\r']).collect();
    // CRLF splits into a line and an empty piece: count such pairs once
    let count = text.matches(['\n', '\r']).count() - text.matches("\r\n").count() + 1;
    if line <= count {
        return (line, column);
    }
    let last = lines.last().map_or(0, |l| l.chars().count());
    (count, last + 1)
}

/// A "did you mean" for serde's "unknown field `x`, expected one of `a`, `b`".
fn unknown_key_hint(msg: &str) -> Option<String> {
    let rest = msg.split("unknown field `").nth(1)?;
    let (name, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    did_you_mean(name, candidates.iter().copied())
}

/// The model's time zone: set in at most one file (the same name again is fine), and valid.
fn model_timezone(ctx: &mut Ctx<'_>, specs: &[(usize, FileSpec)]) -> Option<String> {
    let mut timezone: Option<(String, usize)> = None;
    let p = ypath!["timezone"];
    for (fi, s) in specs {
        let Some(tz) = &s.timezone else {
            continue;
        };
        if let Err(e) = check_timezone(tz) {
            ctx.report(*fi, At::Value(&p), e.code, e.message, Some(e.hint));
        } else if let Some((prev, pf)) = &timezone {
            if prev != tz {
                let other = ctx.files[*pf].name.clone();
                ctx.report(
                    *fi,
                    At::Value(&p),
                    Code::DuplicateName,
                    format!("time zone '{tz}' conflicts with '{prev}' set in '{other}'"),
                    Some("set 'timezone' in one file only".into()),
                );
            }
        } else {
            timezone = Some((tz.clone(), *fi));
        }
    }
    timezone.map(|(tz, _)| tz)
}
