//! `${...}` references in model SQL.

/// A `${...}` reference: byte offset of `$` and the text between the braces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ref<'a> {
    pub start: usize,
    pub end: usize,
    pub inner: &'a str,
}

impl<'a> Ref<'a> {
    /// `(Some(alias), field)` for `${alias.field}`, `(None, name)` for `${name}`.
    pub fn split(&self) -> (Option<&'a str>, &'a str) {
        match self.inner.split_once('.') {
            Some((a, f)) => (Some(a.trim()), f.trim()),
            None => (None, self.inner.trim()),
        }
    }
}

/// All references in `sql`, in order. An unterminated `${` is ignored (the SQL check reports it).
pub(crate) fn refs(sql: &str) -> Vec<Ref<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = sql[i..].find("${") {
        let start = i + off;
        let Some(close) = sql[start..].find('}') else {
            break;
        };
        let end = start + close + 1;
        out.push(Ref {
            start,
            end,
            inner: &sql[start + 2..end - 1],
        });
        i = end;
    }
    out
}

/// Replace every reference by what `f` returns.
pub(crate) fn expand<E>(
    sql: &str,
    mut f: impl FnMut(&Ref<'_>) -> Result<String, E>,
) -> Result<String, E> {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut last = 0;
    for r in refs(sql) {
        out.push_str(&sql[last..r.start]);
        out.push_str(&f(&r)?);
        last = r.end;
    }
    out.push_str(&sql[last..]);
    Ok(out)
}

/// Physical columns referenced as `${TABLE}.column`.
pub(crate) fn table_columns(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    for r in refs(sql) {
        if r.inner.trim() != "TABLE" {
            continue;
        }
        let rest = &sql[r.end..];
        if let Some(rest) = rest.strip_prefix('.') {
            let rest = rest.trim_start_matches('"');
            let col: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !col.is_empty() {
                out.push(col);
            }
        }
    }
    out
}

/// Quote an identifier for the SQL we generate (`"name"`, doubling inner quotes).
pub(crate) fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}
