//! The explore's state and its two encodings: the short URL query string (so a link reproduces
//! the query) and the JSON query the API takes. Pure code: tested on the host.

use serde_json::{Value, json};

/// Everything that defines an explore's query and how it is shown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExploreState {
    /// Dimensions shelf, in order (`view.field`).
    pub dimensions: Vec<String>,
    /// Measures shelf, in order.
    pub measures: Vec<String>,
    /// Pivots shelf.
    pub pivots: Vec<String>,
    /// Filters: field and Looker-style expression.
    pub filters: Vec<(String, String)>,
    /// Sorts: field and descending.
    pub sorts: Vec<(String, bool)>,
    /// Row limit.
    pub limit: u64,
    /// Ask for totals.
    pub totals: bool,
    /// Chart type chosen by the user (None: automatic).
    pub viz: Option<String>,
    /// Rows skipped: the page of the answer shown (a multiple of `limit` when paged).
    pub offset: u64,
    /// Query time zone chosen by the user (None: the explore's default).
    pub timezone: Option<String>,
}

/// Default row limit of a new explore.
pub const DEFAULT_LIMIT: u64 = 500;

impl ExploreState {
    /// An empty explore.
    pub fn new() -> Self {
        ExploreState {
            limit: DEFAULT_LIMIT,
            ..Default::default()
        }
    }

    /// Whether there is anything to run.
    pub fn is_empty(&self) -> bool {
        self.dimensions.is_empty() && self.measures.is_empty()
    }

    /// Read from URL query pairs (already decoded): `d`, `m`, `p` (comma lists), `s`
    /// (`-field` for descending), `l`, `t`, `v`, `o` (offset), `z` (time zone), and
    /// `f.<field>` filters.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let list = |v: &str| -> Vec<String> {
            v.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        let mut state = ExploreState::new();
        for (key, value) in pairs {
            match key {
                "d" => state.dimensions = list(value),
                "m" => state.measures = list(value),
                "p" => state.pivots = list(value),
                "s" => {
                    state.sorts = value
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(|s| match s.strip_prefix('-') {
                            Some(f) => (f.to_string(), true),
                            None => (s.to_string(), false),
                        })
                        .collect()
                }
                "l" => state.limit = value.parse().unwrap_or(DEFAULT_LIMIT),
                "t" => state.totals = value == "1",
                "v" => state.viz = Some(value.to_string()).filter(|v| !v.is_empty()),
                "o" => state.offset = value.parse().unwrap_or(0),
                "z" => state.timezone = Some(value.to_string()).filter(|v| !v.is_empty()),
                _ => {
                    if let Some(field) = key.strip_prefix("f.") {
                        state.filters.push((field.to_string(), value.to_string()));
                    }
                }
            }
        }
        state
    }

    /// Parse a query string such as `?d=a,b&m=c` (leading `?` optional).
    pub fn from_query_string(query: &str) -> Self {
        let pairs = query_pairs(query);
        Self::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// The short query string (without `?`), only what differs from the defaults.
    pub fn to_query_string(&self) -> String {
        let mut parts = Vec::new();
        let mut push = |k: &str, v: String| parts.push(format!("{}={}", encode(k), encode(&v)));
        if !self.dimensions.is_empty() {
            push("d", self.dimensions.join(","));
        }
        if !self.measures.is_empty() {
            push("m", self.measures.join(","));
        }
        if !self.pivots.is_empty() {
            push("p", self.pivots.join(","));
        }
        for (field, expression) in &self.filters {
            push(&format!("f.{field}"), expression.clone());
        }
        if !self.sorts.is_empty() {
            let sorts: Vec<String> = self
                .sorts
                .iter()
                .map(|(f, desc)| if *desc { format!("-{f}") } else { f.clone() })
                .collect();
            push("s", sorts.join(","));
        }
        if self.limit != DEFAULT_LIMIT {
            push("l", self.limit.to_string());
        }
        if self.totals {
            push("t", "1".into());
        }
        if let Some(v) = &self.viz {
            push("v", v.clone());
        }
        if self.offset > 0 {
            push("o", self.offset.to_string());
        }
        if let Some(z) = &self.timezone {
            push("z", z.clone());
        }
        parts.join("&")
    }

    /// The API query for explore `explore`: the question, whatever page is shown (a saved
    /// tile or a download asks from the first row).
    pub fn to_query(&self, explore: &str) -> Value {
        let mut fields = self.dimensions.clone();
        fields.extend(self.pivots.iter().cloned());
        fields.extend(self.measures.iter().cloned());
        let filters: Vec<Value> = self
            .filters
            .iter()
            .filter(|(_, e)| !e.trim().is_empty())
            .map(|(f, e)| json!({ f.as_str(): e }))
            .collect();
        let sorts: Vec<Value> = self
            .sorts
            .iter()
            .filter(|(f, _)| fields.contains(f))
            .map(|(f, desc)| json!({"field": f, "desc": desc}))
            .collect();
        let mut query = json!({
            "explore": explore,
            "fields": fields,
            "pivots": self.pivots,
            "filters": filters,
            "sorts": sorts,
            "limit": self.limit,
            "totals": self.totals,
        });
        if let Some(z) = &self.timezone {
            query["timezone"] = json!(z);
        }
        query
    }

    /// The API query for the page shown: from row `offset`, one row more than the limit, so
    /// that a full page tells whether more rows follow ([`ExploreState::page_of`]).
    pub fn to_page_query(&self, explore: &str) -> Value {
        let mut query = self.to_query(explore);
        query["limit"] = json!(self.limit.saturating_add(1));
        if self.offset > 0 {
            query["offset"] = json!(self.offset);
        }
        query
    }

    /// Where the `rows` answer of [`ExploreState::to_page_query`] sits: the rows to show
    /// (`limit` at most) and whether more follow.
    pub fn page_of(&self, rows: usize) -> Page {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        Page {
            first: self.offset + 1,
            shown: rows.min(limit),
            more: rows > limit,
        }
    }

    /// The state showing the next (`forward`) or the previous page.
    pub fn turned(&self, forward: bool) -> ExploreState {
        let offset = if forward {
            self.offset.saturating_add(self.limit)
        } else {
            self.offset.saturating_sub(self.limit)
        };
        ExploreState {
            offset,
            ..self.clone()
        }
    }

    /// The state of an API query (a dashboard tile's), so it can be opened as an explore;
    /// `is_measure` tells measures from dimensions. Structured filters other than
    /// `{"view.field": "expression"}` are left out.
    pub fn from_api_query(query: &Value, is_measure: impl Fn(&str) -> bool) -> Self {
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let pivots = strings(&query["pivots"]);
        let fields = strings(&query["fields"]);
        let mut state = ExploreState::new();
        for f in fields {
            if is_measure(&f) {
                state.measures.push(f);
            } else if !pivots.contains(&f) {
                state.dimensions.push(f);
            }
        }
        state.pivots = pivots;
        let filters: Vec<&Value> = match &query["filters"] {
            Value::Array(a) => a.iter().collect(),
            v @ Value::Object(_) => vec![v],
            _ => Vec::new(),
        };
        for f in filters {
            if let Some(map) = f.as_object() {
                for (k, v) in map {
                    if let Some(e) = v.as_str() {
                        state.filters.push((k.clone(), e.to_string()));
                    }
                }
            }
        }
        if let Some(sorts) = query["sorts"].as_array() {
            state.sorts = sorts
                .iter()
                .filter_map(|s| {
                    Some((
                        s["field"].as_str()?.to_string(),
                        s["desc"].as_bool().unwrap_or(false),
                    ))
                })
                .collect();
        }
        if let Some(l) = query["limit"].as_u64() {
            state.limit = l;
        }
        state.totals = query["totals"].as_bool().unwrap_or(false);
        state.timezone = query["timezone"].as_str().map(str::to_string);
        state
    }

    /// Cycle the sort on `field`: none → descending → ascending → none.
    pub fn toggle_sort(&mut self, field: &str) {
        match self.sorts.iter().position(|(f, _)| f == field) {
            Some(i) if self.sorts[i].1 => self.sorts[i].1 = false,
            Some(i) => {
                self.sorts.remove(i);
            }
            None => self.sorts = vec![(field.to_string(), true)],
        }
    }
}

/// One page of an answer: rows `first`..`first + shown - 1` (1-based), and whether more follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// The number of the first row shown (1 for the first page).
    pub first: u64,
    /// Rows shown.
    pub shown: usize,
    /// More rows follow this page.
    pub more: bool,
}

impl Page {
    /// "Rows 501–1,000" (or "No rows from row 501" past the end).
    pub fn label(&self) -> String {
        if self.shown == 0 {
            return format!("No rows from row {}", group(self.first));
        }
        let last = self.first + self.shown as u64 - 1;
        format!("Rows {}–{}", group(self.first), group(last))
    }
}

/// `1234567` as `1,234,567`, as the table shows numbers.
fn group(n: u64) -> String {
    crate::cell_format::format_cell(Some(&Value::from(n)), None)
}

/// The decoded `key=value` pairs of a query string (leading `?` optional).
fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Dashboard filter values as a query string: `f.<field>=<expression>` for each non-empty one.
pub fn filters_query_string<'a>(
    values: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> String {
    values
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("f.{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encode a query component (RFC 3986 unreserved characters stay; commas too, to keep
/// links short and readable).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Decode a query component (`+` is a space).
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(hi), Some(lo)) => {
                        out.push((hi * 16 + lo) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> ExploreState {
        ExploreState {
            dimensions: vec!["customers.customer_group_type".into()],
            measures: vec!["orders.revenue".into(), "orders.order_count".into()],
            pivots: vec![],
            filters: vec![
                ("orders.status".into(), "Finished,Booked".into()),
                ("trips.start_date".into(), "last 12 months".into()),
                ("orders.price_eur".into(), ">=100 & 50%".into()),
            ],
            sorts: vec![("orders.revenue".into(), true)],
            limit: 100,
            totals: true,
            viz: Some("bar".into()),
            offset: 200,
            timezone: Some("Europe/Tallinn".into()),
        }
    }

    #[test]
    fn url_round_trips_and_stays_short() {
        let state = example();
        let qs = state.to_query_string();
        assert_eq!(ExploreState::from_query_string(&qs), state);
        assert_eq!(ExploreState::from_query_string(&format!("?{qs}")), state);
        assert!(qs.len() < 260, "{} chars: {qs}", qs.len());
        assert!(
            qs.starts_with("d=customers.customer_group_type&m=orders.revenue,orders.order_count")
        );
        assert_eq!(ExploreState::new().to_query_string(), "");
    }

    #[test]
    fn api_query_has_fields_in_shelf_order_and_drops_stale_sorts() {
        let mut state = example();
        state.sorts.push(("orders.gone".into(), false));
        let q = state.to_query("orders");
        assert_eq!(
            q["fields"],
            json!([
                "customers.customer_group_type",
                "orders.revenue",
                "orders.order_count"
            ])
        );
        assert_eq!(
            q["sorts"],
            json!([{"field": "orders.revenue", "desc": true}])
        );
        assert_eq!(q["filters"][0], json!({"orders.status": "Finished,Booked"}));
        assert_eq!(
            (q["limit"].as_u64(), q["totals"].as_bool()),
            (Some(100), Some(true))
        );
    }

    #[test]
    fn an_api_query_opens_as_the_same_explore() {
        let s = example();
        let query = s.to_query("orders");
        let back = ExploreState::from_api_query(&query, |f| s.measures.iter().any(|m| m == f));
        assert_eq!(back.to_query("orders"), query);
        let map = json!({"explore": "orders", "fields": ["orders.status", "orders.revenue"],
                         "filters": {"orders.status": "Finished"}});
        let s = ExploreState::from_api_query(&map, |f| f == "orders.revenue");
        assert_eq!(s.dimensions, ["orders.status"]);
        assert_eq!(s.measures, ["orders.revenue"]);
        assert_eq!(
            s.filters,
            [("orders.status".to_string(), "Finished".to_string())]
        );
        assert_eq!(s.limit, DEFAULT_LIMIT);
    }

    #[test]
    fn pages_ask_one_row_more_and_say_which_rows_they_show() {
        let mut s = example();
        let q = s.to_page_query("orders");
        assert_eq!(
            (q["limit"].as_u64(), q["offset"].as_u64()),
            (Some(101), Some(200))
        );
        assert_eq!(q["timezone"], "Europe/Tallinn");
        // the question itself (a saved tile, a download) starts at the first row
        assert_eq!(s.to_query("orders").get("offset"), None);
        assert_eq!(
            s.page_of(101),
            Page {
                first: 201,
                shown: 100,
                more: true
            }
        );
        assert_eq!(s.page_of(101).label(), "Rows 201–300");
        assert_eq!(
            s.page_of(7),
            Page {
                first: 201,
                shown: 7,
                more: false
            }
        );
        assert_eq!(s.page_of(0).label(), "No rows from row 201");
        assert_eq!(s.turned(true).offset, 300);
        assert_eq!(s.turned(false).offset, 100);
        s.offset = 50;
        assert_eq!(s.turned(false).offset, 0);
        s.offset = 0;
        s.limit = 500;
        assert_eq!(
            s.turned(true).turned(true).page_of(501).label(),
            "Rows 1,001–1,500"
        );
        assert_eq!(s.to_page_query("orders").get("offset"), None);
    }

    #[test]
    fn sort_cycles() {
        let mut s = ExploreState::new();
        s.toggle_sort("a");
        assert_eq!(s.sorts, vec![("a".to_string(), true)]);
        s.toggle_sort("a");
        assert_eq!(s.sorts, vec![("a".to_string(), false)]);
        s.toggle_sort("a");
        assert!(s.sorts.is_empty());
    }

    #[test]
    fn decoding_tolerates_bad_escapes() {
        assert_eq!(decode("a%2"), "a%2");
        assert_eq!(decode("%zz+b"), "%zz b");
        assert_eq!(decode("%E2%82%AC"), "€");
        assert_eq!(decode("%é%"), "%é%");
    }
}
