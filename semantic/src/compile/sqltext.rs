//! Model SQL snippets as `sqlparser` prints them, without parsing at query time.
//!
//! Model snippets (`sql:`, `sql_on`, `sql_always_where`, derived tables) are parsed once by
//! [`crate::load`] with their `${...}` references as placeholder identifiers, and printed by
//! `sqlparser` into a [`Template`]: the normalized text with holes for the references, flat
//! (`{}`) and, when it differs, pretty (`{:#}`). The compiler fills the holes ([`Sql`]) and lays
//! out the statement with [`super::statement::render`]. Values from the query are written as
//! literals by [`string_lit`] (every `'` doubled), never parsed.

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::sync::Arc;

use sqlparser::ast::Statement;
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

use crate::refs;

/// Placeholder identifier for reference `i` while a snippet is parsed: `__boltic_ref_<i>_`.
const REF: &str = "__boltic_ref_";

/// A character of a plain (qualified) column reference.
fn simple_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '"' | '.')
}

/// True when the text is a plain (qualified) column, number or word: it needs no parentheses.
pub(crate) fn is_simple(s: &str) -> bool {
    s.chars().all(simple_char)
}

/// A SQL string literal: `'...'` with every `'` doubled.
pub(crate) fn string_lit(s: &str) -> String {
    boltic_types::sql_string_literal(s)
}

/// An expression as `sqlparser` prints it.
#[derive(Debug, Clone)]
pub(crate) struct Sql {
    /// The `{}` form (one line).
    pub flat: String,
    /// The `{:#}` form, as lines, when it differs from `flat` (e.g. a `CASE` at the top).
    pub pretty: Option<Vec<String>>,
    /// The text it stands for (before normalization) is a plain column, number or word.
    pub simple: bool,
}

impl Sql {
    /// Generated text that is already in normalized form and prints the same in both modes.
    pub fn text(flat: String) -> Sql {
        let simple = is_simple(&flat);
        Sql {
            flat,
            pretty: None,
            simple,
        }
    }

    /// The text to splice in place of a reference: parenthesized unless simple.
    pub fn paren(&self) -> String {
        if self.simple {
            self.flat.clone()
        } else {
            format!("({})", self.flat)
        }
    }
}

#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    Ref(usize),
}

/// A reference of a template: `(Some(alias), field)` for `${alias.field}`, `(None, name)`.
#[derive(Debug, Clone)]
pub(crate) struct RefName {
    pub alias: Option<String>,
    pub name: String,
}

/// What a reference is replaced by.
#[derive(Debug, Clone)]
pub(crate) enum Splice {
    /// This text as it is (a quoted table alias).
    Text(String),
    /// This expression, parenthesized unless simple.
    Paren(Sql),
}

/// A model expression snippet printed by `sqlparser`, with holes for its references.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    /// The references in order of appearance in the source text.
    pub refs: Vec<RefName>,
    flat: Vec<Piece>,
    /// Lines of the pretty form when it differs from the flat one.
    pretty: Option<Vec<Vec<Piece>>>,
    /// The source text outside the references has only plain-column characters.
    raw_simple: bool,
}

impl Template {
    /// Parse a snippet (its references as identifiers) and print it. The error is `sqlparser`'s.
    pub fn parse(sql: &str) -> Result<Template, String> {
        let rs = refs::refs(sql);
        let mut text = String::with_capacity(sql.len() + 8 * rs.len());
        let mut raw_simple = true;
        let mut last = 0;
        for (i, r) in rs.iter().enumerate() {
            raw_simple &= is_simple(&sql[last..r.start]);
            text.push_str(&sql[last..r.start]);
            let _ = write!(text, "{REF}{i}_");
            last = r.end;
        }
        raw_simple &= is_simple(&sql[last..]);
        text.push_str(&sql[last..]);
        let expr = Parser::new(&GenericDialect {})
            .try_with_sql(&text)
            .and_then(|mut p| {
                let e = p.parse_expr()?;
                p.expect_token(&Token::EOF)?;
                Ok(e)
            })
            .map_err(|e| e.to_string())?;
        let flat = expr.to_string();
        let lines = pretty_lines(&expr);
        let pretty = (lines.len() != 1 || lines[0] != flat)
            .then(|| lines.iter().map(|l| pieces(l, rs.len())).collect());
        Ok(Template {
            refs: rs
                .iter()
                .map(|r| {
                    let (alias, name) = r.split();
                    RefName {
                        alias: alias.map(str::to_string),
                        name: name.to_string(),
                    }
                })
                .collect(),
            flat: pieces(&flat, rs.len()),
            pretty,
            raw_simple,
        })
    }

    /// Fill the holes with what `sub` gives for each reference, resolved in order.
    pub fn expand<E>(&self, mut sub: impl FnMut(&RefName) -> Result<Splice, E>) -> Result<Sql, E> {
        let mut subs = Vec::with_capacity(self.refs.len());
        let mut simple = self.raw_simple;
        for r in &self.refs {
            let text = match sub(r)? {
                Splice::Text(t) => {
                    simple &= is_simple(&t);
                    t
                }
                Splice::Paren(s) => {
                    simple &= s.simple;
                    s.paren()
                }
            };
            subs.push(text);
        }
        let fill = |ps: &[Piece]| {
            let mut out = String::new();
            for p in ps {
                match p {
                    Piece::Text(t) => out.push_str(t),
                    Piece::Ref(i) => out.push_str(&subs[*i]),
                }
            }
            out
        };
        Ok(Sql {
            flat: fill(&self.flat),
            pretty: self
                .pretty
                .as_ref()
                .map(|lines| lines.iter().map(|l| fill(l)).collect()),
            simple,
        })
    }
}

/// Split printed text at the reference placeholders.
fn pieces(s: &str, n: usize) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = s;
    let mut text = String::new();
    while let Some(pos) = rest.find(REF) {
        let after = &rest[pos + REF.len()..];
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        match after[..digits].parse::<usize>() {
            Ok(i) if i < n && after[digits..].starts_with('_') => {
                text.push_str(&rest[..pos]);
                if !text.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut text)));
                }
                out.push(Piece::Ref(i));
                rest = &after[digits + 1..];
            }
            _ => {
                text.push_str(&rest[..pos + REF.len()]);
                rest = after;
            }
        }
    }
    text.push_str(rest);
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    out
}

/// Records `{:#}` output as lines: `sqlparser` writes each layout line break as a lone `"\n"`
/// (its indentation follows as a separate write), so a line break inside a literal stays text.
#[derive(Default)]
struct Lines(Vec<String>);

impl fmt::Write for Lines {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.0.is_empty() {
            self.0.push(String::new());
        }
        if s == "\n" {
            self.0.push(String::new());
        } else if let Some(l) = self.0.last_mut() {
            l.push_str(s);
        }
        Ok(())
    }
}

fn pretty_lines(v: &dyn fmt::Display) -> Vec<String> {
    let mut l = Lines::default();
    let _ = write!(l, "{v:#}");
    if l.0.is_empty() {
        l.0.push(String::new());
    }
    l.0
}

/// A derived table's query printed by `sqlparser`.
#[derive(Debug, Clone)]
pub(crate) struct QueryText {
    /// The `{}` form (one line).
    pub flat: String,
    /// The `{:#}` form, as lines.
    pub pretty: Vec<String>,
}

impl QueryText {
    /// Parse a single `SELECT` query. The error is `sqlparser`'s.
    pub fn parse(sql: &str) -> Result<QueryText, String> {
        let stmts = Parser::parse_sql(&GenericDialect {}, sql).map_err(|e| e.to_string())?;
        match stmts.as_slice() {
            [Statement::Query(q)] => Ok(QueryText {
                flat: q.to_string(),
                pretty: pretty_lines(q),
            }),
            _ => Err("expected a single SELECT query".to_string()),
        }
    }
}

/// Templates of a model's snippets by their source text, filled by [`crate::load`].
#[derive(Clone, Default)]
pub(crate) struct SqlCache {
    exprs: HashMap<String, Arc<Template>>,
    queries: HashMap<String, Arc<QueryText>>,
}

impl fmt::Debug for SqlCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlCache")
            .field("exprs", &self.exprs.len())
            .field("queries", &self.queries.len())
            .finish()
    }
}

impl SqlCache {
    pub fn has_expr(&self, sql: &str) -> bool {
        self.exprs.contains_key(sql)
    }

    pub fn insert_expr(&mut self, sql: &str, t: Template) {
        self.exprs.insert(sql.to_string(), Arc::new(t));
    }

    pub fn insert_query(&mut self, sql: &str, q: QueryText) {
        self.queries.insert(sql.to_string(), Arc::new(q));
    }

    /// The template of an expression snippet (parsed now if the model did not have it).
    pub fn expr(&self, sql: &str) -> Result<Arc<Template>, String> {
        match self.exprs.get(sql) {
            Some(t) => Ok(Arc::clone(t)),
            None => Template::parse(sql).map(Arc::new),
        }
    }

    /// The printed form of a derived table's query (parsed now if the model did not have it).
    pub fn query(&self, sql: &str) -> Result<Arc<QueryText>, String> {
        match self.queries.get(sql) {
            Some(q) => Ok(Arc::clone(q)),
            None => QueryText::parse(sql).map(Arc::new),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_literals_double_every_quote() {
        assert_eq!(string_lit("O'Brien"), "'O''Brien'");
        assert_eq!(string_lit("a''b"), "'a''''b'");
        assert_eq!(string_lit("\\' OR 1=1 --"), "'\\'' OR 1=1 --'");
    }

    #[test]
    fn template_holes_and_pretty_form() {
        let t = Template::parse("CASE WHEN ${TABLE}.x > 0 THEN ${y} ELSE 0 END").expect("parses");
        assert_eq!(t.refs.len(), 2);
        let e = t
            .expand(|r| {
                Ok::<_, ()>(if r.name == "TABLE" {
                    Splice::Text("\"t\"".to_string())
                } else {
                    Splice::Paren(Sql::text("a + 1".to_string()))
                })
            })
            .expect("expands");
        assert_eq!(e.flat, "CASE WHEN \"t\".x > 0 THEN (a + 1) ELSE 0 END");
        assert_eq!(
            e.pretty.expect("pretty differs"),
            [
                "CASE",
                "  WHEN \"t\".x > 0 THEN",
                "    (a + 1)",
                "  ELSE",
                "    0",
                "END"
            ]
        );
        assert!(!e.simple);
    }
}
