//! What every part of the loader shares: the files with their position indexes, the diagnostics
//! found so far ([`Ctx::report`], pointing into the YAML with [`At`]), and the checks of SQL
//! snippets and filter expressions, whose parsed forms are kept for the compiler.

use crate::error::Code;
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use crate::compile::sqltext::{QueryText, SqlCache, Template};
use crate::error::{Diagnostic, Severity};
use crate::model::{Dimension, SourceFile, check_filter_expr};
use crate::refs;
use crate::yaml_pos::{PosIndex, Seg};

/// The loader's state while it checks all files.
pub(super) struct Ctx<'a> {
    pub files: &'a [SourceFile],
    idx: Vec<PosIndex>,
    pub diags: Vec<Diagnostic>,
    /// Every valid snippet parsed and printed, for the compiler.
    pub sql: SqlCache,
}

/// Where in a file a diagnostic points.
#[derive(Clone, Copy)]
pub(super) enum At<'p> {
    /// At the key of the path (`derived_table:` itself).
    Key(&'p [Seg]),
    /// At the value of the path.
    Value(&'p [Seg]),
    /// At the text `needle` inside the value of the path (a `${ref}` in a snippet).
    Find(&'p [Seg], &'p str),
}

impl<'a> Ctx<'a> {
    /// A loader state for `files`, with no diagnostics yet.
    pub fn new(files: &'a [SourceFile]) -> Self {
        Ctx {
            files,
            idx: files.iter().map(|f| PosIndex::new(&f.text)).collect(),
            diags: Vec::new(),
            sql: SqlCache::default(),
        }
    }

    /// Record an error in file `file` at `at`.
    pub fn report(
        &mut self,
        file: usize,
        at: At<'_>,
        code: Code,
        message: String,
        hint: Option<String>,
    ) {
        let (line, column) = match at {
            At::Key(p) => self.idx[file].key(p),
            At::Value(p) => self.idx[file].value(p),
            At::Find(p, n) => self.idx[file].find(p, n),
        };
        self.diags.push(Diagnostic {
            file: self.files[file].name.clone(),
            line,
            column,
            severity: Severity::Error,
            code,
            message,
            hint,
        });
    }

    /// Line and column of the key at `path` in file `file`.
    pub fn key_pos(&self, file: usize, path: &[Seg]) -> (usize, usize) {
        self.idx[file].key(path)
    }

    /// Whether any error has been reported.
    pub fn has_errors(&self) -> bool {
        self.diags.iter().any(|d| d.severity == Severity::Error)
    }

    /// Check an expression snippet and keep its printed template; the error is the message.
    pub fn check_expr(&mut self, sql: &str) -> Result<(), String> {
        if self.sql.has_expr(sql) {
            return Ok(());
        }
        match Template::parse(sql) {
            Ok(t) => {
                self.sql.insert_expr(sql, t);
                Ok(())
            }
            // the message as for the references written as `x`
            Err(_) => parse_expr_check(sql),
        }
    }

    /// Check a derived table's query and keep its printed form; the error is the message.
    pub fn check_query(&mut self, sql: &str) -> Result<(), String> {
        QueryText::parse(sql)
            .map(|q| self.sql.insert_query(sql, q))
            .map_err(|e| e.trim_start_matches("sql parser error: ").to_string())
    }

    /// Check the filter expression `value` on dimension `d` (named `field`) written at
    /// `value_path` (a measure's `filters` or an explore's `always_filter`); an `invalid-filter`
    /// diagnostic points at the offending character of the value.
    pub fn check_filter_value(
        &mut self,
        file: usize,
        value_path: &[Seg],
        d: &Dimension,
        field: &str,
        value: &str,
    ) {
        let Err(err) = check_filter_expr(d, value) else {
            return;
        };
        let (line, column) = self.value_text_pos(file, value_path);
        self.diags.push(Diagnostic {
            file: self.files[file].name.clone(),
            line,
            column: column + err.offset,
            severity: Severity::Error,
            code: Code::InvalidFilter,
            message: format!("invalid filter '{value}' on '{field}': {}", err.message),
            hint: None,
        });
    }

    /// Record an error at the `offset`th character of the value at `path` (after an opening
    /// quote).
    pub fn report_in_value(
        &mut self,
        file: usize,
        path: &[Seg],
        offset: usize,
        code: Code,
        message: String,
        hint: Option<String>,
    ) {
        let (line, column) = self.value_text_pos(file, path);
        self.diags.push(Diagnostic {
            file: self.files[file].name.clone(),
            line,
            column: column + offset,
            severity: Severity::Error,
            code,
            message,
            hint,
        });
    }

    /// Where the text of a scalar value starts (after an opening quote).
    fn value_text_pos(&self, file: usize, path: &[Seg]) -> (usize, usize) {
        let (l, c) = self.idx[file].value(path);
        let quoted = self.files[file]
            .text
            .lines()
            .nth(l - 1)
            .and_then(|line| line.chars().nth(c - 1))
            .is_some_and(|ch| ch == '"' || ch == '\'');
        (l, c + usize::from(quoted))
    }
}

/// The parse error of an expression snippet, with its references written as plain identifiers.
fn parse_expr_check(sql: &str) -> Result<(), String> {
    let text = refs::expand(sql, |_| Ok::<_, ()>("x".to_string())).unwrap_or_default();
    Parser::new(&GenericDialect {})
        .try_with_sql(&text)
        .and_then(|mut p| {
            let e = p.parse_expr()?;
            p.expect_token(&sqlparser::tokenizer::Token::EOF)?;
            Ok(e)
        })
        .map(|_| ())
        .map_err(|e| {
            e.to_string()
                .trim_start_matches("sql parser error: ")
                .to_string()
        })
}
