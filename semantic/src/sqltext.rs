//! SQL text in exactly the form `sqlparser` prints it (`{:#}`), without parsing at query time.
//!
//! Model snippets (`sql:`, `sql_on`, `sql_always_where`, derived tables) are parsed once by
//! [`crate::load`] with their `${...}` references as placeholder identifiers, and printed by
//! `sqlparser` into a [`Template`]: the normalized text with holes for the references, flat
//! (`{}`) and, when it differs, pretty (`{:#}`). The compiler fills the holes and lays out the
//! statement with [`render`], which mirrors `sqlparser`'s pretty printer for the few shapes we
//! generate (`WITH`, `SELECT [DISTINCT]`, `FROM` with joins and derived tables, `WHERE`,
//! `GROUP BY`, `HAVING`, `ORDER BY`, `LIMIT`, `OFFSET`). Values from the query are written as
//! literals by [`string_lit`] (every `'` doubled), never parsed.

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::rc::Rc;
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
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
    out
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
    flat: String,
    pretty: Vec<String>,
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

// ---------- statement layout ----------

/// A `FROM` item.
#[derive(Debug, Clone)]
pub(crate) enum Rel {
    /// `<name> [AS <alias>]` (both already quoted).
    Table { name: String, alias: Option<String> },
    /// `(<query>) AS <alias>`.
    Derived { body: Box<Body>, alias: String },
}

/// The query of a derived table.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    Select(Select),
    Model(Arc<QueryText>),
}

/// `<kind> JOIN <rel> ON <on>`.
#[derive(Debug, Clone)]
pub(crate) struct JoinSql {
    /// `LEFT JOIN`, `INNER JOIN` or `FULL JOIN`.
    pub kw: &'static str,
    pub rel: Rel,
    pub on: String,
}

/// `FROM` with joins.
#[derive(Debug, Clone)]
pub(crate) struct From {
    pub rel: Rel,
    pub joins: Vec<JoinSql>,
}

/// A select item.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    /// `<expr> AS <alias>` (alias quoted).
    Expr(Sql, String),
    /// `<expr>`
    Plain(Sql),
    /// `"alias".*`
    Wildcard(String),
}

/// A `SELECT`.
#[derive(Debug, Clone)]
pub(crate) struct Select {
    pub distinct: bool,
    pub items: Vec<Item>,
    pub from: Rc<From>,
    pub selection: Option<Rc<Sql>>,
    pub group_by: Vec<Sql>,
    pub having: Option<Sql>,
}

/// The statement.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    /// `WITH` tables: quoted name and query.
    pub ctes: Vec<(String, Select)>,
    pub body: Select,
    /// `ORDER BY` items, already rendered (`"key" DESC`).
    pub order_by: Vec<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// Print the statement as `format!("{:#}", statement)` would.
pub(crate) fn render(q: &Query) -> String {
    let mut w = W {
        out: String::with_capacity(2048),
        depth: 0,
        pretty: true,
    };
    w.query(q);
    w.out
}

/// A writer that mirrors `sqlparser`'s `Indent`/`NewLine`/`SpaceOrNewline`.
struct W {
    out: String,
    depth: usize,
    pretty: bool,
}

impl W {
    fn s(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// A line break at the current indentation.
    fn line(&mut self) {
        self.out.push('\n');
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    /// `NewLine`: a line break when pretty, nothing otherwise.
    fn new_line(&mut self) {
        if self.pretty {
            self.line();
        }
    }

    /// `SpaceOrNewline`.
    fn sp_nl(&mut self) {
        if self.pretty {
            self.line();
        } else {
            self.out.push(' ');
        }
    }

    /// `Indent(x)`: when pretty, two spaces and `x` one level deeper.
    fn indent(&mut self, f: impl FnOnce(&mut Self)) {
        if self.pretty {
            self.s("  ");
            self.depth += 1;
            f(self);
            self.depth -= 1;
        } else {
            f(self);
        }
    }

    /// An expression in a position `sqlparser` prints with the formatter's mode.
    fn expr(&mut self, e: &Sql) {
        match (&e.pretty, self.pretty) {
            (Some(lines), true) => {
                for (i, l) in lines.iter().enumerate() {
                    if i > 0 {
                        self.line();
                    }
                    self.s(l);
                }
            }
            _ => self.s(&e.flat),
        }
    }

    fn query(&mut self, q: &Query) {
        if !q.ctes.is_empty() {
            self.s("WITH ");
            for (i, (name, sel)) in q.ctes.iter().enumerate() {
                if i > 0 {
                    self.s(", ");
                }
                self.s(name);
                self.s(" AS (");
                self.new_line();
                self.indent(|w| w.select(sel));
                self.new_line();
                self.s(")");
            }
            self.sp_nl();
        }
        self.select(&q.body);
        if !q.order_by.is_empty() {
            self.s(" ORDER BY ");
            for (i, o) in q.order_by.iter().enumerate() {
                if i > 0 {
                    self.s(", ");
                }
                self.s(o);
            }
        }
        if let Some(l) = q.limit {
            let _ = write!(self.out, " LIMIT {l}");
        }
        if let Some(o) = q.offset {
            let _ = write!(self.out, " OFFSET {o}");
        }
    }

    fn select(&mut self, s: &Select) {
        self.s(if s.distinct {
            "SELECT DISTINCT"
        } else {
            "SELECT"
        });
        if !s.items.is_empty() {
            self.sp_nl();
            self.indent(|w| {
                for (i, it) in s.items.iter().enumerate() {
                    if i > 0 {
                        w.s(",");
                        w.sp_nl();
                    }
                    match it {
                        Item::Expr(e, alias) => {
                            w.expr(e);
                            w.s(" AS ");
                            w.s(alias);
                        }
                        Item::Plain(e) => w.expr(e),
                        Item::Wildcard(alias) => {
                            w.s(alias);
                            w.s(".*");
                        }
                    }
                }
            });
        }
        self.sp_nl();
        self.s("FROM");
        self.sp_nl();
        self.indent(|w| {
            w.rel(&s.from.rel);
            for j in &s.from.joins {
                w.sp_nl();
                // `Join` prints its relation and condition with `{}`: one line
                let pretty = std::mem::replace(&mut w.pretty, false);
                w.s(j.kw);
                w.s(" ");
                w.rel(&j.rel);
                w.s(" ON ");
                w.s(&j.on);
                w.pretty = pretty;
            }
        });
        if let Some(e) = &s.selection {
            self.sp_nl();
            self.s("WHERE");
            self.sp_nl();
            self.indent(|w| w.expr(e));
        }
        if !s.group_by.is_empty() {
            self.sp_nl();
            self.s("GROUP BY");
            self.sp_nl();
            self.indent(|w| {
                for (i, e) in s.group_by.iter().enumerate() {
                    if i > 0 {
                        w.s(", ");
                    }
                    w.expr(e);
                }
            });
        }
        if let Some(e) = &s.having {
            self.sp_nl();
            self.s("HAVING");
            self.sp_nl();
            self.indent(|w| w.expr(e));
        }
    }

    fn rel(&mut self, r: &Rel) {
        match r {
            Rel::Table { name, alias } => {
                self.s(name);
                if let Some(a) = alias {
                    self.s(" AS ");
                    self.s(a);
                }
            }
            Rel::Derived { body, alias } => {
                self.s("(");
                self.new_line();
                self.indent(|w| match body.as_ref() {
                    Body::Select(s) => w.select(s),
                    Body::Model(q) if w.pretty => {
                        for (i, l) in q.pretty.iter().enumerate() {
                            if i > 0 {
                                w.line();
                            }
                            w.s(l);
                        }
                    }
                    Body::Model(q) => w.s(&q.flat),
                });
                self.new_line();
                self.s(") AS ");
                self.s(alias);
            }
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
