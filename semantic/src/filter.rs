//! Looker-style filter expressions (`FOO%`, `>=100`, `[5,90]`, `last 7 days`, …).
//!
//! An expression is parsed against the type of the filtered field into a [`Cond`], which the
//! compiler turns into a SQL predicate with typed, escaped literals.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde::Serialize;

use crate::error::FilterError;

/// Which grammar applies: chosen from the filtered field's result type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterKind {
    /// `FOO`, `FOO%`, `-FOO`, `a,b`, `NULL`, `EMPTY`.
    String,
    /// `5`, `>=100`, `[5,90]`, `NOT 3`, `>5 AND <10`.
    Number,
    /// `yes`, `no`, `NULL`.
    Boolean,
    /// `last 7 days`, `this month`, `2024-08-01 to 2024-09-01`, `before …`, `after …`.
    Time,
}

/// A literal value in a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    /// Text.
    Str(String),
    /// A number, validated, kept as typed.
    Num(String),
    /// A boolean.
    Bool(bool),
    /// A wall-clock time in the query time zone.
    Time(NaiveDateTime),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A parsed filter condition on one field.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// Matches everything (empty expression).
    Any,
    /// `IS NULL`.
    IsNull,
    /// `IS NOT NULL`.
    NotNull,
    /// Null or empty string.
    Empty,
    /// `x <op> lit`.
    Cmp(CmpOp, Lit),
    /// `x LIKE pattern`: `%` wildcards; literal `\`, `%` and `_` escaped with `\`.
    Like(String),
    /// `x IN (…)`.
    In(Vec<Lit>),
    /// `start <= x < end` style range; bounds with inclusiveness.
    Range {
        /// Lower bound and whether it is inclusive.
        low: Option<(Lit, bool)>,
        /// Upper bound and whether it is inclusive.
        high: Option<(Lit, bool)>,
    },
    /// All must hold.
    And(Vec<Cond>),
    /// Any must hold.
    Or(Vec<Cond>),
    /// Negation that keeps NULLs (`-FOO` also matches NULL, like Looker).
    NotOrNull(Box<Cond>),
}

/// The longest filter expression accepted, in characters (a list of a few hundred values fits).
pub const MAX_EXPRESSION_CHARS: usize = 10_000;

/// Parse a filter expression. `now` is the current wall-clock time in the query time zone.
/// Linear in the expression's length, which is at most [`MAX_EXPRESSION_CHARS`].
pub fn parse(kind: FilterKind, expr: &str, now: NaiveDateTime) -> Result<Cond, FilterError> {
    let err = |offset: usize, message: String| FilterError {
        expression: expr.to_string(),
        offset,
        message,
    };
    if expr.trim().is_empty() {
        return Ok(Cond::Any);
    }
    if let Some((offset, _)) = expr.char_indices().nth(MAX_EXPRESSION_CHARS) {
        return Err(err(
            expr[..offset].chars().count(),
            format!(
                "the expression is longer than {MAX_EXPRESSION_CHARS} characters: use fewer values, a range or a pattern"
            ),
        ));
    }
    let cond = match kind {
        FilterKind::String => parse_string(expr).map_err(|(o, m)| err(o, m)),
        FilterKind::Number => NumParser::new(expr)
            .map_err(|(o, m)| err(o, m))?
            .parse_all()
            .map_err(|(o, m)| err(o, m)),
        FilterKind::Boolean => parse_bool(expr).map_err(|(o, m)| err(o, m)),
        FilterKind::Time => parse_time(expr, now).map_err(|(o, m)| err(o, m)),
    }?;
    // each condition is a level of the SQL engine's expression tree: bound them
    let n = terms(&cond);
    if n > MAX_TERMS {
        return Err(err(
            0,
            format!(
                "the expression has {n} conditions; at most {MAX_TERMS} are allowed (a list of plain values counts as one)"
            ),
        ));
    }
    Ok(cond)
}

/// The most conditions one expression may make (`>5 AND <10` is two; a list of plain values,
/// which becomes one `IN`, is one).
pub const MAX_TERMS: usize = 100;

/// Conditions `c` makes (a list of plain values is one).
pub(crate) fn terms(c: &Cond) -> usize {
    match c {
        Cond::And(v) | Cond::Or(v) => v.iter().map(terms).sum(),
        Cond::NotOrNull(inner) => terms(inner),
        _ => 1,
    }
}

/// Several `= value` conditions as one `IN` list (several `<> value`: one `NOT IN`).
fn in_list(items: Vec<Cond>) -> Vec<Cond> {
    let eq = |c: &Cond| matches!(c, Cond::Cmp(CmpOp::Eq, _));
    if items.len() < 2 || !items.iter().all(eq) {
        return items;
    }
    let lits = items
        .into_iter()
        .filter_map(|c| match c {
            Cond::Cmp(_, l) => Some(l),
            _ => None,
        })
        .collect();
    vec![Cond::In(lits)]
}

/// The expression that keeps exactly the rows whose value is `value` (a value as a result
/// gives it) for a field of `kind`: `NULL`, an escaped string, `=5`, `yes`. None when no
/// expression says it exactly (an empty string, one ending in white space, a time: see
/// [`crate::drill`] for time periods, or a value of another type).
pub fn equals_expression(kind: FilterKind, value: &serde_json::Value) -> Option<String> {
    use serde_json::Value as V;
    match (kind, value) {
        (_, V::Null) if kind != FilterKind::Time => Some("NULL".into()),
        (FilterKind::String, V::String(s)) => escape_string(s),
        (FilterKind::String, V::Number(n)) => escape_string(&n.to_string()),
        (FilterKind::Number, V::Number(n)) => Some(format!("={n}")),
        (FilterKind::Boolean, V::Bool(b)) => Some(if *b { "yes" } else { "no" }.into()),
        _ => None,
    }
}

/// `s` as a string filter item that means "equal to `s`": `^` before every character the
/// grammar would read (`,`, `%`, `^`, a leading `-` or white space, the words `NULL` and
/// `EMPTY`).
fn escape_string(s: &str) -> Option<String> {
    if s.is_empty() || s.ends_with(char::is_whitespace) {
        return None;
    }
    let mut out = String::with_capacity(s.len() + 2);
    if s == "NULL" || s == "EMPTY" {
        out.push('^');
    }
    for (i, c) in s.chars().enumerate() {
        let leading = i == 0 && (c == '-' || c.is_whitespace());
        if leading || matches!(c, ',' | '%' | '^') {
            out.push('^');
        }
        out.push(c);
    }
    Some(out)
}

type PResult<T> = Result<T, (usize, String)>;

/// `s` as literal text in a LIKE pattern: `\`, `%` and `_` escaped with `\` (the escape
/// character DataFusion's LIKE reads by default).
pub(crate) fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Split on unescaped commas: (char offset of the item after trimming, raw item).
fn split_items(expr: &str) -> Vec<(usize, String)> {
    let mut items = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    let mut chars = expr.chars().enumerate().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '^' => {
                cur.push('^');
                if let Some((_, n)) = chars.next() {
                    cur.push(n);
                }
            }
            ',' => {
                items.push((start, std::mem::take(&mut cur)));
                start = i + 1;
            }
            _ => cur.push(c),
        }
    }
    items.push((start, cur));
    items
        .into_iter()
        .map(|(s, item)| {
            let lead = item.chars().take_while(|c| *c == ' ').count();
            (s + lead, item.trim().to_string())
        })
        .collect()
}

fn parse_string(expr: &str) -> PResult<Cond> {
    let mut pos = Vec::new();
    let mut neg = Vec::new();
    for (off, item) in split_items(expr) {
        if item.is_empty() {
            return Err((off, "expected a value".into()));
        }
        let (negated, body, body_off) = match item.strip_prefix('-') {
            Some(rest) => (true, rest, off + 1),
            None => (false, item.as_str(), off),
        };
        if body.is_empty() {
            return Err((body_off, "expected a value after '-'".into()));
        }
        let cond = match body {
            "NULL" => Cond::IsNull,
            "EMPTY" => Cond::Empty,
            _ => {
                // the value as written (escapes resolved), and as a LIKE pattern in which only
                // unescaped `%` is a wildcard
                let mut text = String::new();
                let mut pattern = String::new();
                let mut wildcard = false;
                let mut chars = body.chars().enumerate();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '^' => match chars.next() {
                            Some((_, n)) => {
                                text.push(n);
                                pattern.push_str(&like_escape(&n.to_string()));
                            }
                            None => {
                                return Err((
                                    body_off + i + 1,
                                    "expected a character after the escape '^'".into(),
                                ));
                            }
                        },
                        '%' => {
                            wildcard = true;
                            text.push('%');
                            pattern.push('%');
                        }
                        _ => {
                            text.push(c);
                            pattern.push_str(&like_escape(&c.to_string()));
                        }
                    }
                }
                if wildcard {
                    Cond::Like(pattern)
                } else {
                    Cond::Cmp(CmpOp::Eq, Lit::Str(text))
                }
            }
        };
        if negated {
            neg.push(match cond {
                Cond::IsNull => Cond::NotNull,
                Cond::Empty => Cond::And(vec![
                    Cond::NotNull,
                    Cond::Cmp(CmpOp::Ne, Lit::Str(String::new())),
                ]),
                Cond::Cmp(CmpOp::Eq, l) => Cond::NotOrNull(Box::new(Cond::Cmp(CmpOp::Eq, l))),
                other => Cond::NotOrNull(Box::new(other)),
            });
        } else {
            pos.push(cond);
        }
    }
    // several plain values become one IN list
    let all_eq = pos.len() > 1 && pos.iter().all(|c| matches!(c, Cond::Cmp(CmpOp::Eq, _)));
    let positive = if all_eq {
        Some(Cond::In(
            pos.into_iter()
                .map(|c| match c {
                    Cond::Cmp(_, l) => l,
                    _ => unreachable_lit(),
                })
                .collect(),
        ))
    } else if pos.len() == 1 {
        pos.pop()
    } else if pos.is_empty() {
        None
    } else {
        Some(Cond::Or(pos))
    };
    let mut all: Vec<Cond> = positive.into_iter().collect();
    let plain_negations = neg.len() > 1
        && neg
            .iter()
            .all(|c| matches!(c, Cond::NotOrNull(b) if matches!(**b, Cond::Cmp(CmpOp::Eq, _))));
    if plain_negations {
        let inner = neg
            .into_iter()
            .filter_map(|c| match c {
                Cond::NotOrNull(b) => Some(*b),
                _ => None,
            })
            .collect();
        all.extend(
            in_list(inner)
                .into_iter()
                .map(|c| Cond::NotOrNull(Box::new(c))),
        );
    } else {
        all.extend(neg);
    }
    Ok(if all.len() == 1 {
        all.remove(0)
    } else {
        Cond::And(all)
    })
}

fn unreachable_lit() -> Lit {
    Lit::Str(String::new())
}

fn parse_bool(expr: &str) -> PResult<Cond> {
    let t = expr.trim();
    // a character offset (white space before the word may be more than one byte)
    let off = expr.chars().count() - expr.trim_start().chars().count();
    match t.to_ascii_lowercase().as_str() {
        "yes" | "true" => Ok(Cond::Cmp(CmpOp::Eq, Lit::Bool(true))),
        "no" | "false" => Ok(Cond::Cmp(CmpOp::Eq, Lit::Bool(false))),
        "null" => Ok(Cond::IsNull),
        "-null" | "not null" => Ok(Cond::NotNull),
        _ => Err((off, "expected 'yes', 'no', 'NULL' or '-NULL'".into())),
    }
}

// ---------- numbers ----------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(String),
    Op(CmpOp),
    Open(bool),  // '[' = true (inclusive)
    Close(bool), // ']' = true
    Comma,
    And,
    Or,
    Not,
    Null,
    NotNull,
    Word(String),
}

struct NumParser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    len: usize,
}

impl NumParser {
    fn new(expr: &str) -> PResult<Self> {
        let chars: Vec<char> = expr.chars().collect();
        let mut toks = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let start = i;
            match c {
                ' ' | '\t' => {
                    i += 1;
                    continue;
                }
                '[' | '(' => {
                    toks.push((start, Tok::Open(c == '[')));
                    i += 1;
                }
                ']' | ')' => {
                    toks.push((start, Tok::Close(c == ']')));
                    i += 1;
                }
                ',' => {
                    toks.push((start, Tok::Comma));
                    i += 1;
                }
                '<' | '>' | '=' | '!' => {
                    let next = chars.get(i + 1).copied();
                    let (op, n) = match (c, next) {
                        ('<', Some('=')) => (CmpOp::Le, 2),
                        ('<', Some('>')) => (CmpOp::Ne, 2),
                        ('>', Some('=')) => (CmpOp::Ge, 2),
                        ('!', Some('=')) => (CmpOp::Ne, 2),
                        ('<', _) => (CmpOp::Lt, 1),
                        ('>', _) => (CmpOp::Gt, 1),
                        ('=', _) => (CmpOp::Eq, 1),
                        _ => return Err((start + 1, "expected '=' after '!'".into())),
                    };
                    toks.push((start, Tok::Op(op)));
                    i += n;
                }
                // `-NULL`: four characters of look-ahead (linear in the expression's length)
                '-' if chars.get(i + 1..i + 5).is_some_and(|w| {
                    w.iter()
                        .zip("NULL".chars())
                        .all(|(a, b)| a.eq_ignore_ascii_case(&b))
                }) =>
                {
                    toks.push((start, Tok::NotNull));
                    i += 5;
                }
                c if c.is_ascii_digit() || c == '-' || c == '.' => {
                    let mut s = String::new();
                    s.push(c);
                    i += 1;
                    // digits, a point, an exponent with its sign (`1e-7`, `5.0e+50`)
                    while i < chars.len()
                        && (chars[i].is_ascii_digit()
                            || matches!(chars[i], '.' | 'e' | 'E')
                            || (matches!(chars[i], '+' | '-') && matches!(chars[i - 1], 'e' | 'E')))
                    {
                        s.push(chars[i]);
                        i += 1;
                    }
                    if s.parse::<f64>().map(f64::is_finite) != Ok(true) {
                        return Err((start, format!("expected a number, found '{s}'")));
                    }
                    toks.push((start, Tok::Num(s)));
                }
                c if c.is_alphabetic() => {
                    let mut s = String::new();
                    while i < chars.len() && chars[i].is_alphanumeric() {
                        s.push(chars[i]);
                        i += 1;
                    }
                    let t = match s.to_ascii_uppercase().as_str() {
                        "AND" => Tok::And,
                        "OR" => Tok::Or,
                        "NOT" => Tok::Not,
                        "NULL" => Tok::Null,
                        _ => Tok::Word(s),
                    };
                    toks.push((start, t));
                }
                other => return Err((start, format!("unexpected character '{other}'"))),
            }
        }
        Ok(NumParser {
            toks,
            pos: 0,
            len: chars.len(),
        })
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }
    fn offset(&self) -> usize {
        self.toks.get(self.pos).map_or(self.len, |(o, _)| *o)
    }
    fn describe(&self) -> String {
        match self.toks.get(self.pos) {
            None => "the end".into(),
            Some((_, t)) => match t {
                Tok::Num(n) => format!("'{n}'"),
                Tok::Word(w) => format!("'{w}'"),
                Tok::Comma => "','".into(),
                Tok::And => "'AND'".into(),
                Tok::Or => "'OR'".into(),
                Tok::Not => "'NOT'".into(),
                Tok::Null | Tok::NotNull => "'NULL'".into(),
                Tok::Open(_) => "'['".into(),
                Tok::Close(_) => "']'".into(),
                Tok::Op(_) => "an operator".into(),
            },
        }
    }

    fn parse_all(mut self) -> PResult<Cond> {
        let mut items = vec![self.parse_or()?];
        while self.peek() == Some(&Tok::Comma) {
            self.pos += 1;
            items.push(self.parse_or()?);
        }
        if self.pos < self.toks.len() {
            return Err((
                self.offset(),
                format!("expected ',', 'AND' or 'OR', found {}", self.describe()),
            ));
        }
        Ok(flatten(in_list(items), Cond::Or))
    }

    fn parse_or(&mut self) -> PResult<Cond> {
        let mut items = vec![self.parse_and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            items.push(self.parse_and()?);
        }
        Ok(flatten(items, Cond::Or))
    }

    fn parse_and(&mut self) -> PResult<Cond> {
        let mut items = vec![self.parse_unary()?];
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            items.push(self.parse_unary()?);
        }
        Ok(flatten(items, Cond::And))
    }

    fn parse_unary(&mut self) -> PResult<Cond> {
        if self.peek() == Some(&Tok::Not) {
            self.pos += 1;
            if self.peek() == Some(&Tok::Null) {
                self.pos += 1;
                return Ok(Cond::NotNull);
            }
            if self.peek() == Some(&Tok::Not) {
                return Err((
                    self.offset(),
                    "expected a number after 'NOT', found 'NOT': use one 'NOT'".into(),
                ));
            }
            let inner = self.parse_primary()?;
            return Ok(Cond::NotOrNull(Box::new(inner)));
        }
        self.parse_primary()
    }

    fn number(&mut self) -> PResult<String> {
        match self.peek() {
            Some(Tok::Num(n)) => {
                let n = n.clone();
                self.pos += 1;
                Ok(n)
            }
            _ => Err((
                self.offset(),
                format!("expected a number, found {}", self.describe()),
            )),
        }
    }

    fn parse_primary(&mut self) -> PResult<Cond> {
        match self.peek().cloned() {
            Some(Tok::Null) => {
                self.pos += 1;
                Ok(Cond::IsNull)
            }
            Some(Tok::NotNull) => {
                self.pos += 1;
                Ok(Cond::NotNull)
            }
            Some(Tok::Op(op)) => {
                self.pos += 1;
                let n = self.number()?;
                Ok(Cond::Cmp(op, Lit::Num(n)))
            }
            Some(Tok::Num(n)) => {
                self.pos += 1;
                Ok(Cond::Cmp(CmpOp::Eq, Lit::Num(n)))
            }
            Some(Tok::Open(low_incl)) => {
                self.pos += 1;
                let low = self.number()?;
                if self.peek() != Some(&Tok::Comma) {
                    return Err((
                        self.offset(),
                        format!("expected ',', found {}", self.describe()),
                    ));
                }
                self.pos += 1;
                let high = self.number()?;
                let Some(Tok::Close(high_incl)) = self.peek().cloned() else {
                    return Err((
                        self.offset(),
                        format!("expected ']' or ')', found {}", self.describe()),
                    ));
                };
                self.pos += 1;
                Ok(Cond::Range {
                    low: Some((Lit::Num(low), low_incl)),
                    high: Some((Lit::Num(high), high_incl)),
                })
            }
            _ => Err((
                self.offset(),
                format!(
                    "expected a number, a comparison, an interval or 'NULL', found {}",
                    self.describe()
                ),
            )),
        }
    }
}

fn flatten(mut items: Vec<Cond>, f: fn(Vec<Cond>) -> Cond) -> Cond {
    if items.len() == 1 {
        items.remove(0)
    } else {
        f(items)
    }
}

// ---------- times ----------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

fn unit(word: &str) -> Option<Unit> {
    let w = word.to_ascii_lowercase();
    let w = w.strip_suffix('s').unwrap_or(&w);
    Some(match w {
        "minute" => Unit::Minute,
        "hour" => Unit::Hour,
        "day" => Unit::Day,
        "week" => Unit::Week,
        "month" => Unit::Month,
        "quarter" => Unit::Quarter,
        "year" => Unit::Year,
        _ => return None,
    })
}

fn trunc(t: NaiveDateTime, u: Unit) -> NaiveDateTime {
    let d = t.date();
    let midnight = |d: NaiveDate| d.and_time(NaiveTime::MIN);
    match u {
        Unit::Minute => t
            .with_second(0)
            .and_then(|x| x.with_nanosecond(0))
            .unwrap_or(t),
        Unit::Hour => d.and_hms_opt(t.hour(), 0, 0).unwrap_or(t),
        Unit::Day => midnight(d),
        Unit::Week => midnight(d - Duration::days(i64::from(d.weekday().num_days_from_monday()))),
        Unit::Month => midnight(d.with_day(1).unwrap_or(d)),
        Unit::Quarter => {
            let m = (d.month() - 1) / 3 * 3 + 1;
            midnight(NaiveDate::from_ymd_opt(d.year(), m, 1).unwrap_or(d))
        }
        Unit::Year => midnight(NaiveDate::from_ymd_opt(d.year(), 1, 1).unwrap_or(d)),
    }
}

/// The largest count in relative expressions (`last 100000 days`).
const MAX_UNITS: i64 = 100_000;

fn add(t: NaiveDateTime, u: Unit, n: i64) -> NaiveDateTime {
    let months = |t: NaiveDateTime, m: i64| {
        let m32 = chrono::Months::new(m.unsigned_abs().min(u32::MAX as u64) as u32);
        if m >= 0 {
            t.checked_add_months(m32)
        } else {
            t.checked_sub_months(m32)
        }
        .unwrap_or(t)
    };
    // Out-of-range results keep `t` (counts are bounded by MAX_UNITS, so this needs dates
    // near the ends of chrono's range).
    let plus = |d: Option<Duration>| d.and_then(|d| t.checked_add_signed(d)).unwrap_or(t);
    match u {
        Unit::Minute => plus(Duration::try_minutes(n)),
        Unit::Hour => plus(Duration::try_hours(n)),
        Unit::Day => plus(Duration::try_days(n)),
        Unit::Week => plus(Duration::try_weeks(n)),
        Unit::Month => months(t, n),
        Unit::Quarter => months(t, n * 3),
        Unit::Year => months(t, n * 12),
    }
}

type Period = (NaiveDateTime, NaiveDateTime);

fn period(start: NaiveDateTime, u: Unit, n: i64) -> Period {
    (start, add(start, u, n))
}

/// Words of an item with their char offsets.
fn words(item: &str, base: usize) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    for (i, c) in item.chars().enumerate() {
        if c == ' ' {
            if !cur.is_empty() {
                out.push((base + start, std::mem::take(&mut cur)));
            }
        } else {
            if cur.is_empty() {
                start = i;
            }
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push((base + start, cur));
    }
    out
}

const EXPECTED_TIME: &str = "expected a date, 'today', 'yesterday', 'this', 'last', 'next', 'before', 'after', a number of units or 'NULL'";
const EXPECTED_UNIT: &str = "expected a time unit (minute, hour, day, week, month, quarter, year)";

fn parse_time(expr: &str, now: NaiveDateTime) -> PResult<Cond> {
    let mut items = Vec::new();
    for (off, item) in split_items(expr) {
        if item.is_empty() {
            return Err((off, "expected a date or a relative time".into()));
        }
        let w = words(&item, off);
        items.push(time_item(&w, now, off + item.chars().count())?);
    }
    Ok(flatten(items, Cond::Or))
}

fn time_range(p: Period) -> Cond {
    Cond::Range {
        low: Some((Lit::Time(p.0), true)),
        high: Some((Lit::Time(p.1), false)),
    }
}

fn time_item(w: &[(usize, String)], now: NaiveDateTime, end: usize) -> PResult<Cond> {
    let lower: Vec<String> = w.iter().map(|(_, s)| s.to_ascii_lowercase()).collect();
    let at = |i: usize| w.get(i).map_or(end, |(o, _)| *o);
    match lower.first().map(String::as_str) {
        Some("null") if w.len() == 1 => return Ok(Cond::IsNull),
        Some("-null") if w.len() == 1 => return Ok(Cond::NotNull),
        Some("not") if lower.get(1).map(String::as_str) == Some("null") && w.len() == 2 => {
            return Ok(Cond::NotNull);
        }
        Some("before") => {
            let (p, used) = point(&w[1..], now, end)?;
            expect_end(w, 1 + used, end)?;
            return Ok(Cond::Range {
                low: None,
                high: Some((Lit::Time(p.0), false)),
            });
        }
        Some("after") => {
            let (p, used) = point(&w[1..], now, end)?;
            expect_end(w, 1 + used, end)?;
            return Ok(Cond::Range {
                low: Some((Lit::Time(p.0), true)),
                high: None,
            });
        }
        _ => {}
    }
    if let Some(to) = lower.iter().position(|s| s == "to") {
        if to == 0 {
            return Err((at(0), EXPECTED_TIME.into()));
        }
        let (a, used_a) = point(&w[..to], now, at(to))?;
        expect_end(&w[..to], used_a, at(to))?;
        let (b, used_b) = point(&w[to + 1..], now, end)?;
        expect_end(w, to + 1 + used_b, end)?;
        return Ok(time_range((a.0, b.0)));
    }
    let (p, used) = point(w, now, end)?;
    expect_end(w, used, end)?;
    Ok(time_range(p))
}

fn expect_end(w: &[(usize, String)], used: usize, _end: usize) -> PResult<()> {
    match w.get(used) {
        None => Ok(()),
        Some((o, s)) => Err((*o, format!("unexpected '{s}'"))),
    }
}

/// Parse a time point/period at the start of `w`: (period, words used).
fn point(w: &[(usize, String)], now: NaiveDateTime, end: usize) -> PResult<(Period, usize)> {
    let Some((off, first)) = w.first() else {
        return Err((end, EXPECTED_TIME.into()));
    };
    let lower = first.to_ascii_lowercase();
    let today = trunc(now, Unit::Day);
    let unit_at = |i: usize| -> PResult<Unit> {
        match w.get(i) {
            Some((o, s)) => unit(s).ok_or((*o, format!("{EXPECTED_UNIT}, found '{s}'"))),
            None => Err((end, EXPECTED_UNIT.into())),
        }
    };
    match lower.as_str() {
        "now" => return Ok(((now, now + Duration::seconds(1)), 1)),
        "today" => return Ok((period(today, Unit::Day, 1), 1)),
        "yesterday" => return Ok((period(add(today, Unit::Day, -1), Unit::Day, 1), 1)),
        "tomorrow" => return Ok((period(add(today, Unit::Day, 1), Unit::Day, 1), 1)),
        "this" => {
            let u = unit_at(1)?;
            return Ok((period(trunc(now, u), u, 1), 2));
        }
        "last" | "next" => {
            let sign = if lower == "last" { -1 } else { 1 };
            if let Some(n) = w.get(1).and_then(|(_, s)| s.parse::<i64>().ok()) {
                if n <= 0 {
                    return Err((w[1].0, "expected a positive number".into()));
                }
                if n > MAX_UNITS {
                    return Err((w[1].0, format!("expected a number of at most {MAX_UNITS}")));
                }
                let u = unit_at(2)?;
                let cur = trunc(now, u);
                let p = if sign < 0 {
                    (add(cur, u, -(n - 1)), add(cur, u, 1))
                } else {
                    (add(cur, u, 1), add(cur, u, n + 1))
                };
                return Ok((p, 3));
            }
            let u = unit_at(1)?;
            return Ok((period(add(trunc(now, u), u, sign), u, 1), 2));
        }
        _ => {}
    }
    let next_is_unit = w.get(1).is_some_and(|(_, s)| unit(s).is_some());
    let year_like = lower.len() == 4 && !next_is_unit;
    if let (Ok(n), false) = (lower.parse::<i64>(), year_like) {
        if n < 0 {
            return Err((*off, "expected a positive number".into()));
        }
        if n > MAX_UNITS {
            return Err((*off, format!("expected a number of at most {MAX_UNITS}")));
        }
        let u = unit_at(1)?;
        let cur = trunc(now, u);
        let next = w.get(2).map(|(_, s)| s.to_ascii_lowercase());
        return match next.as_deref() {
            Some("ago") => Ok((period(add(cur, u, -n), u, 1), 3)),
            Some("from")
                if w.get(3).map(|(_, s)| s.to_ascii_lowercase()).as_deref() == Some("now") =>
            {
                Ok((period(add(cur, u, n), u, 1), 4))
            }
            // `7 days` = `last 7 days`
            _ => Ok(((add(cur, u, -(n.max(1) - 1)), add(cur, u, 1)), 2)),
        };
    }
    if first.starts_with(|c: char| c.is_ascii_digit()) {
        // absolute: YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] (or with 'T')
        let (date_part, time_word) = match first.split_once('T') {
            Some((d, t)) => (d.to_string(), Some((*off + d.len() + 1, t.to_string()))),
            None => (
                first.clone(),
                w.get(1).filter(|(_, s)| s.contains(':')).cloned(),
            ),
        };
        let used = if first.contains('T') || time_word.is_none() {
            1
        } else {
            2
        };
        let parts: Vec<&str> = date_part.split('-').collect();
        let num = |s: &str| s.parse::<u32>().ok();
        let bad = || {
            (
                *off,
                format!("invalid date '{date_part}', expected YYYY-MM-DD"),
            )
        };
        let (y, m, d) = match parts.as_slice() {
            [y] if y.len() == 4 => (num(y).ok_or_else(bad)?, None, None),
            [y, m] if y.len() == 4 => {
                (num(y).ok_or_else(bad)?, Some(num(m).ok_or_else(bad)?), None)
            }
            [y, m, d] if y.len() == 4 => (
                num(y).ok_or_else(bad)?,
                Some(num(m).ok_or_else(bad)?),
                Some(num(d).ok_or_else(bad)?),
            ),
            _ => return Err(bad()),
        };
        let date =
            NaiveDate::from_ymd_opt(y as i32, m.unwrap_or(1), d.unwrap_or(1)).ok_or_else(bad)?;
        let start = date.and_time(NaiveTime::MIN);
        if let Some((toff, t)) = time_word {
            if d.is_none() {
                return Err((toff, "expected a full date before the time".into()));
            }
            let tp: Vec<&str> = t.split(':').collect();
            let badt = || {
                (
                    toff,
                    format!("invalid time '{t}', expected HH:MM or HH:MM:SS"),
                )
            };
            let (h, mi, s) = match tp.as_slice() {
                [h, mi] => (num(h).ok_or_else(badt)?, num(mi).ok_or_else(badt)?, None),
                [h, mi, s] => (
                    num(h).ok_or_else(badt)?,
                    num(mi).ok_or_else(badt)?,
                    Some(num(s).ok_or_else(badt)?),
                ),
                _ => return Err(badt()),
            };
            let time = NaiveTime::from_hms_opt(h, mi, s.unwrap_or(0)).ok_or_else(badt)?;
            let t0 = date.and_time(time);
            let p = match s {
                Some(_) => (t0, t0 + Duration::seconds(1)),
                None => (t0, t0 + Duration::minutes(1)),
            };
            return Ok((p, used));
        }
        let p = match (m, d) {
            (None, _) => period(start, Unit::Year, 1),
            (Some(_), None) => period(start, Unit::Month, 1),
            _ => period(start, Unit::Day, 1),
        };
        return Ok((p, 1));
    }
    Err((*off, format!("{EXPECTED_TIME}, found '{first}'")))
}
