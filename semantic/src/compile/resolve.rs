//! Names to model objects: the explore a query runs in and its time zone ([`Scope`]), and
//! `view.field` names to the field they denote ([`FieldRef`]), with the query errors
//! `unknown-explore`, `invalid-timezone`, `unknown-field` and `field-not-allowed`.

use crate::error::Code;
use chrono::NaiveDateTime;

use super::sqltext::string_lit;
use crate::error::{Error, did_you_mean};
use crate::model::{Access, Model, View};
use crate::model::{Dimension, DimensionType, Explore, Field, FieldKind, Measure, MeasureType};
use crate::timezone::check_timezone;
use boltic_types::Query;

/// The time zone a query runs in: its own `timezone`, else the model's.
pub fn query_timezone<'a>(model: &'a Model, query: &'a Query) -> &'a str {
    query.timezone.as_deref().unwrap_or(&model.timezone)
}

/// A query error with a stable code.
pub(super) fn query_error(code: Code, message: String, hint: Option<String>) -> Error {
    Error::query(code, message, hint)
}

/// What every stage of a compilation looks names up in: the model, the query's explore, whom
/// it runs for, the wall-clock "now" and the query time zone.
pub(crate) struct Scope<'a> {
    pub model: &'a Model,
    pub explore: &'a Explore,
    /// Whom the query runs for (access filters and grants).
    pub access: Access,
    /// The current wall-clock time in the query time zone (relative date filters).
    pub now: NaiveDateTime,
    /// The query time zone.
    pub tz: String,
    /// The time zone as a SQL string literal.
    pub tz_lit: String,
    /// The time zone is UTC: time values need no conversion.
    pub utc: bool,
}

impl<'a> Scope<'a> {
    /// The scope of `query`: its explore (one `access` may see: another does not exist for it,
    /// nor is it suggested) and checked time zone.
    pub fn new(
        model: &'a Model,
        query: &Query,
        now: NaiveDateTime,
        access: Access,
    ) -> Result<Self, Error> {
        let explore = model.explore_for(&query.explore, &access).ok_or_else(|| {
            let visible = model.explores_for(&access).map(|e| e.name.as_str());
            query_error(
                Code::UnknownExplore,
                format!("unknown explore '{}'", query.explore),
                did_you_mean(&query.explore, visible),
            )
        })?;
        let tz = query_timezone(model, query).to_string();
        if let Err(e) = check_timezone(&tz) {
            return Err(query_error(e.code, e.message, Some(e.hint)));
        }
        let utc = matches!(tz.as_str(), "UTC" | "Etc/UTC");
        let tz_lit = string_lit(&tz);
        Ok(Scope {
            model,
            explore,
            access,
            now,
            tz,
            tz_lit,
            utc,
        })
    }

    /// The view joined under `alias` in the explore.
    pub fn view(&self, alias: &str) -> Result<&'a View, Error> {
        self.model
            .views
            .get(self.explore.view_of(alias).unwrap_or_default())
            .ok_or_else(|| Error::Internal("view".into()))
    }

    /// The explore's own spelling of `alias` (borrowed from the model), if it joins it.
    pub fn alias(&self, alias: &str) -> Option<&'a str> {
        self.explore.aliases().find(|a| *a == alias)
    }

    /// A `view.field` name of the query: the field it denotes in the explore.
    pub fn resolve(&self, name: &str) -> Result<FieldRef<'a>, Error> {
        // a field behind a grant the caller lacks does not exist for it, nor is it suggested
        let found = self
            .model
            .resolve(self.explore, name)
            .filter(|(_, _, f)| self.model.allows_field(f, &self.access));
        let Some((alias, view, field)) = found else {
            let candidates: Vec<String> = self
                .explore
                .aliases()
                .filter_map(|a| {
                    let v = self.model.views.get(self.explore.view_of(a)?)?;
                    Some(
                        v.fields
                            .values()
                            .filter(|f| self.model.allows_field(f, &self.access))
                            .map(move |f| format!("{a}.{}", f.name)),
                    )
                })
                .flatten()
                .collect();
            return Err(query_error(
                Code::UnknownField,
                format!("unknown field '{name}' in explore '{}'", self.explore.name),
                did_you_mean(name, candidates.iter().map(String::as_str)),
            ));
        };
        if !self.explore.allows(alias, &field.name) {
            return Err(query_error(
                Code::FieldNotAllowed,
                format!(
                    "field '{name}' is not available in explore '{}'",
                    self.explore.name
                ),
                Some("the explore's 'fields' list leaves it out".into()),
            ));
        }
        Ok(FieldRef {
            key: format!("{alias}.{}", field.name),
            alias,
            view,
            field,
        })
    }
}

/// A field of the explore as the query names it.
#[derive(Debug, Clone)]
pub(crate) struct FieldRef<'a> {
    /// `alias.field`: the result column name.
    pub key: String,
    /// The join alias (the base view's name for the base view).
    pub alias: &'a str,
    pub view: &'a View,
    pub field: &'a Field,
}

impl<'a> FieldRef<'a> {
    pub fn dim(&self) -> Option<&'a Dimension> {
        match &self.field.kind {
            FieldKind::Dimension(d) => Some(d),
            FieldKind::Measure(_) => None,
        }
    }

    /// The dimension this field is, for code that has already checked it is one.
    pub(super) fn dimension(&self) -> crate::error::Result<&'a Dimension> {
        self.dim()
            .ok_or_else(|| Error::Internal("not a dimension".into()))
    }

    pub fn measure(&self) -> Option<&'a Measure> {
        match &self.field.kind {
            FieldKind::Measure(m) => Some(m),
            FieldKind::Dimension(_) => None,
        }
    }

    /// A `min`/`max` measure of a time or date dimension of its view (`sql: ${start}`): its
    /// value is a timestamp, which the (numeric) measure filters cannot compare.
    pub fn is_time_measure(&self) -> bool {
        let Some(m) = self.measure() else {
            return false;
        };
        if !matches!(m.ty, MeasureType::Min | MeasureType::Max) {
            return false;
        }
        let of = m.sql.as_deref().and_then(|s| {
            s.trim()
                .strip_prefix("${")
                .and_then(|s| s.strip_suffix('}'))
        });
        of.and_then(|n| self.view.dims.get(n.trim()))
            .is_some_and(|d| matches!(d.ty, DimensionType::Time | DimensionType::Date))
    }
}
