//! The crate's error type and model diagnostics.

use serde::Serialize;

/// How bad a [`Diagnostic`] is. Errors make [`crate::load`] return no model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The model cannot be used.
    Error,
    /// The model works, but something looks wrong.
    Warning,
}

/// Declares [`Code`] from its rows (variant => code as written), so that [`Code::ALL`] and
/// [`Code::as_str`] cannot miss a code.
macro_rules! codes {
    ($($(#[doc = $doc:literal])* $variant:ident => $code:literal;)*) => {
        /// A stable code of a [`Diagnostic`], a [`DashboardProblem`](crate::DashboardProblem) or
        /// an [`Error::Query`]. Written in kebab-case (`unknown-field`) in diagnostics, JSON and
        /// docs; the server maps each to an API error code in one exhaustive match.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum Code {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Code {
            /// Every code, in table order.
            pub const ALL: &[Code] = &[$(Code::$variant,)*];

            /// The code as written: `unknown-field`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }
        }
    };
}

codes! {
    /// YAML syntax or shape: a value of the wrong kind, an unknown key.
    Syntax => "syntax";
    /// A name used twice where it must be unique.
    DuplicateName => "duplicate-name";
    /// A reference to a view the model does not have.
    UnknownView => "unknown-view";
    /// A reference to a field the view or explore does not have.
    UnknownField => "unknown-field";
    /// A dimension or measure type that does not exist or does not fit.
    InvalidType => "invalid-type";
    /// A view with no table, or with both a table and a derived table.
    InvalidSource => "invalid-source";
    /// A `sql:` snippet that does not parse.
    InvalidSql => "invalid-sql";
    /// A `${...}` reference that cannot be used where it stands.
    InvalidReference => "invalid-reference";
    /// Fields that refer to each other in a circle.
    ReferenceCycle => "reference-cycle";
    /// A value whose type does not fit (in the model, or against the warehouse).
    TypeMismatch => "type-mismatch";
    /// A measure type that needs `sql:` without it.
    MissingSql => "missing-sql";
    /// A percentile outside 0 to 100.
    InvalidPercentile => "invalid-percentile";
    /// Tier bounds that are not increasing numbers.
    InvalidTiers => "invalid-tiers";
    /// A timeframe that does not exist or does not fit the type.
    InvalidTimeframe => "invalid-timeframe";
    /// A filter expression that does not parse.
    InvalidFilter => "invalid-filter";
    /// A `value_format` that cannot be shown, an unknown `value_format_name`, or both on one
    /// field.
    InvalidValueFormat => "invalid-value-format";
    /// Not an IANA time zone name.
    InvalidTimezone => "invalid-timezone";
    /// A join without `relationship:`.
    MissingRelationship => "missing-relationship";
    /// A join without `sql_on:`.
    MissingSqlOn => "missing-sql-on";
    /// A join that cannot be made (its view, its alias, its type).
    InvalidJoin => "invalid-join";
    /// A join path that the query cannot choose between.
    AmbiguousJoin => "ambiguous-join";
    /// A fanned-out view whose measures need a primary key it lacks.
    FanoutWithoutPrimaryKey => "fanout-without-primary-key";
    /// A name that is not a valid identifier, or an empty title.
    InvalidName => "invalid-name";
    /// A dashboard tile whose query does not compile.
    InvalidTileQuery => "invalid-tile-query";
    /// A dashboard tile that does not fit the grid.
    InvalidLayout => "invalid-layout";
    /// A dashboard with more tiles than allowed.
    TooManyTiles => "too-many-tiles";
    /// A query on an explore the model does not have.
    UnknownExplore => "unknown-explore";
    /// A field the explore's `fields:` leaves out.
    FieldNotAllowed => "field-not-allowed";
    /// A field of a view the explore does not join.
    ViewNotJoined => "view-not-joined";
    /// A pivot on something other than a selected dimension.
    InvalidPivot => "invalid-pivot";
    /// A sort on a field the query does not select.
    InvalidSort => "invalid-sort";
    /// A filter group mixing dimensions and measures.
    MixedFilter => "mixed-filter";
    /// A query without fields.
    EmptyQuery => "empty-query";
    /// A drill on a field without `drill_fields`, or to a field it does not drill to.
    InvalidDrill => "invalid-drill";
    /// A query over a size limit (fields, sorts, pivots, filters, their nesting or values).
    QueryTooLarge => "query-too-large";
    /// An `access_grants` entry without an attribute or allowed values.
    InvalidAccessGrant => "invalid-access-grant";
    /// `required_access_grants` naming a grant the model does not define.
    UnknownAccessGrant => "unknown-access-grant";
    /// A SQL model of the project that does not parse (`boltic validate`).
    SqlModel => "sql-model";
    /// A view's table that the warehouse does not have (`boltic validate --warehouse`).
    UnknownTable => "unknown-table";
    /// A field whose SQL does not run on the warehouse (`boltic validate --warehouse`).
    WarehouseMismatch => "warehouse-mismatch";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found in the model files, with its place (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Name of the file, as given in [`crate::SourceFile::name`].
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// Error or warning.
    pub severity: Severity,
    /// A stable code, e.g. `unknown-field` (see the crate docs for the list).
    pub code: Code,
    /// Lowercase message naming the thing in quotes, no trailing period.
    pub message: String,
    /// How to fix it, when we can tell.
    pub hint: Option<String>,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {sev}[{}]: {}",
            self.file, self.line, self.column, self.code, self.message
        )?;
        if let Some(h) = &self.hint {
            write!(f, " (hint: {h})")?;
        }
        Ok(())
    }
}

/// A filter expression that does not parse: where (0-based character offset) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("invalid filter expression {expression:?} at character {offset}: {message}")]
pub struct FilterError {
    /// The expression as typed.
    pub expression: String,
    /// 0-based character offset of the problem.
    pub offset: usize,
    /// What went wrong / what was expected, e.g. `expected a number`.
    pub message: String,
}

/// The crate's error type: a query that cannot be compiled against the model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// The query refers to something the model does not have, or uses it wrongly.
    #[error("{message}")]
    Query {
        /// Stable code, e.g. `unknown-field`.
        code: Code,
        /// Lowercase message.
        message: String,
        /// How to fix it.
        hint: Option<String>,
    },
    /// A filter value in the query does not parse.
    #[error("filter on '{field}': {source}")]
    Filter {
        /// The filtered field, `view.field`.
        field: String,
        /// The parse error.
        #[source]
        source: FilterError,
    },
    /// The query JSON does not have the expected shape.
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// A bug in this crate (e.g. it produced SQL it cannot parse). Please report it.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub(crate) fn query(code: Code, message: String, hint: Option<String>) -> Self {
        Error::Query {
            code,
            message,
            hint,
        }
    }
}

/// Crate result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The closest candidate to `word` (Levenshtein distance at most a third of its length, min 1).
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let max = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (levenshtein(word, c), c))
        .filter(|(d, _)| *d <= max)
        .min_by_key(|(d, c)| (*d, c.to_string()))
        .map(|(_, c)| format!("did you mean '{c}'?"))
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn codes_are_distinct_and_serialize_as_written() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
        for code in Code::ALL {
            let json = serde_json::to_string(code).expect("a code serializes");
            assert_eq!(json, format!("\"{code}\""));
        }
    }
}
