//! The shapes of the statements the compiler generates (`WITH`, `SELECT [DISTINCT]`, `FROM` with
//! joins and derived tables, `WHERE`, `GROUP BY`, `HAVING`, `ORDER BY`, `LIMIT`, `OFFSET`) and
//! [`render`], which prints them exactly as `sqlparser` pretty-prints (`{:#}`) the same statement.
//! Expressions inside are already text ([`Sql`]); nothing here parses.

use std::fmt::Write as _;
use std::rc::Rc;
use std::sync::Arc;

use super::sqltext::{QueryText, Sql};

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
pub(crate) struct JoinClause {
    /// `LEFT JOIN`, `INNER JOIN` or `FULL JOIN`.
    pub kw: &'static str,
    pub rel: Rel,
    pub on: String,
}

/// `FROM` with joins.
#[derive(Debug, Clone)]
pub(crate) struct FromClause {
    pub rel: Rel,
    pub joins: Vec<JoinClause>,
}

/// A select item.
#[derive(Debug, Clone)]
pub(crate) enum SelectItem {
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
    pub items: Vec<SelectItem>,
    pub from: Rc<FromClause>,
    pub selection: Option<Rc<Sql>>,
    pub group_by: Vec<Sql>,
    pub having: Option<Sql>,
}

/// A whole statement.
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    /// `WITH` tables: quoted name and query.
    pub ctes: Vec<(String, Select)>,
    pub body: Select,
    /// `ORDER BY` items, already rendered (`"key" DESC`).
    pub order_by: Vec<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// Print the statement as `format!("{:#}", statement)` would.
pub(crate) fn render(q: &Statement) -> String {
    let mut p = SqlPrinter {
        out: String::with_capacity(2048),
        depth: 0,
        pretty: true,
    };
    p.statement(q);
    p.out
}

/// The printer behind [`render`]: mirrors `sqlparser`'s `Indent`/`NewLine`/`SpaceOrNewline`.
struct SqlPrinter {
    out: String,
    depth: usize,
    pretty: bool,
}

impl SqlPrinter {
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

    fn statement(&mut self, q: &Statement) {
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
                        SelectItem::Expr(e, alias) => {
                            w.expr(e);
                            w.s(" AS ");
                            w.s(alias);
                        }
                        SelectItem::Plain(e) => w.expr(e),
                        SelectItem::Wildcard(alias) => {
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
