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
    pub code: &'static str,
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
        code: &'static str,
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
    pub(crate) fn query(code: &'static str, message: String, hint: Option<String>) -> Self {
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
