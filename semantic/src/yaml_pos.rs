//! Positions of keys in block-style YAML text.
//!
//! `serde_yaml` values carry no spans, so after deserializing we find where things are by scanning
//! the text once: every mapping key and sequence item gets a path (`views`, `0`, `measures`, `2`,
//! `sql`) and a 1-based line and column. Lookups fall back to the nearest enclosing path, so a
//! diagnostic always has a place even for flow-style (`{a: 1}`) YAML.

use std::collections::HashMap;

/// One step of a path into a YAML document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// Build a path: `ypath!["views", 0, "name"]`.
macro_rules! ypath {
    ($($s:expr),* $(,)?) => { [$($crate::yaml_pos::Seg::from($s)),*] };
}
pub(crate) use ypath;

impl From<&str> for Seg {
    fn from(s: &str) -> Self {
        Seg::Key(s.to_string())
    }
}
impl From<usize> for Seg {
    fn from(i: usize) -> Self {
        Seg::Index(i)
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    line: usize,
    key_col: usize,
    value_col: usize,
    indent: usize,
}

/// Index from paths to positions for one file.
#[derive(Debug)]
pub(crate) struct PosIndex {
    lines: Vec<String>,
    entries: HashMap<Vec<Seg>, Entry>,
}

struct Frame {
    indent: usize,
    seg: Seg,
    is_parent: bool,
    next_index: usize,
}

impl PosIndex {
    pub(crate) fn new(text: &str) -> Self {
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut entries = HashMap::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut root_next = 0usize;
        let mut block_indent: Option<usize> = None;
        for (ln, raw) in lines.iter().enumerate() {
            let trimmed = raw.trim_start_matches(' ');
            let mut indent = raw.len() - trimmed.len();
            if let Some(bi) = block_indent {
                if trimmed.is_empty() || indent > bi {
                    continue;
                }
                block_indent = None;
            }
            if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("---") {
                continue;
            }
            let mut rest = trimmed;
            // sequence items, possibly nested (`- - a`)
            while rest == "-" || rest.starts_with("- ") {
                while let Some(top) = stack.last() {
                    let pop = top.indent > indent
                        || (top.indent == indent
                            && !(matches!(top.seg, Seg::Key(_)) && top.is_parent));
                    if pop {
                        stack.pop();
                    } else {
                        break;
                    }
                }
                let idx = match stack.last_mut() {
                    Some(top) => {
                        top.next_index += 1;
                        top.next_index - 1
                    }
                    None => {
                        root_next += 1;
                        root_next - 1
                    }
                };
                let after = rest[1..].trim_start_matches(' ');
                let value_indent = indent + (rest.len() - after.len());
                stack.push(Frame {
                    indent,
                    seg: Seg::Index(idx),
                    is_parent: true,
                    next_index: 0,
                });
                let path: Vec<Seg> = stack.iter().map(|f| f.seg.clone()).collect();
                entries.insert(
                    path,
                    Entry {
                        line: ln + 1,
                        key_col: indent + 1,
                        value_col: value_indent + 1,
                        indent,
                    },
                );
                indent = value_indent;
                rest = after;
            }
            if rest.is_empty() || rest.starts_with('#') {
                continue;
            }
            let Some((key, value_off)) = split_key(rest) else {
                continue;
            };
            while let Some(top) = stack.last() {
                if top.indent >= indent {
                    stack.pop();
                } else {
                    break;
                }
            }
            let value = rest[value_off..].trim_start_matches(' ');
            let value_col = indent + rest.len() - value.len() + 1;
            let value_trim = strip_comment(value);
            let is_parent = value_trim.is_empty();
            stack.push(Frame {
                indent,
                seg: Seg::Key(key),
                is_parent,
                next_index: 0,
            });
            let path: Vec<Seg> = stack.iter().map(|f| f.seg.clone()).collect();
            entries.insert(
                path,
                Entry {
                    line: ln + 1,
                    key_col: indent + 1,
                    value_col: if is_parent { indent + 1 } else { value_col },
                    indent,
                },
            );
            if value_trim.starts_with('|') || value_trim.starts_with('>') {
                block_indent = Some(indent);
            }
        }
        PosIndex { lines, entries }
    }

    fn entry(&self, path: &[Seg]) -> Option<Entry> {
        let mut p = path;
        loop {
            if let Some(e) = self.entries.get(p) {
                return Some(*e);
            }
            if p.is_empty() {
                return None;
            }
            p = &p[..p.len() - 1];
        }
    }

    /// Position of the key at `path` (or of the nearest enclosing key).
    pub(crate) fn key(&self, path: &[Seg]) -> (usize, usize) {
        self.entry(path)
            .map(|e| (e.line, e.key_col))
            .unwrap_or((1, 1))
    }

    /// Position of the value at `path` (or of the nearest enclosing key).
    pub(crate) fn value(&self, path: &[Seg]) -> (usize, usize) {
        match self.entries.get(path) {
            Some(e) => (e.line, e.value_col),
            None => self.key(path),
        }
    }

    /// Position of `needle` inside the value at `path` (searching a block scalar's lines too);
    /// falls back to the value position.
    pub(crate) fn find(&self, path: &[Seg], needle: &str) -> (usize, usize) {
        let Some(e) = self.entries.get(path).copied().or_else(|| self.entry(path)) else {
            return (1, 1);
        };
        for (i, line) in self.lines.iter().enumerate().skip(e.line - 1) {
            let start = if i + 1 == e.line { e.value_col - 1 } else { 0 };
            if i + 1 > e.line {
                let t = line.trim_start_matches(' ');
                if !t.is_empty() && line.len() - t.len() <= e.indent {
                    break;
                }
            }
            if let Some(off) = line.get(start..).and_then(|s| find_word(s, needle)) {
                let col = line[..start + off].chars().count() + 1;
                return (i + 1, col);
            }
        }
        (e.line, e.value_col)
    }
}

/// Where `needle` occurs in `s`, preferring an occurrence not followed by a word character
/// (so `orders.revenu` is found as itself, not inside `orders.revenue`).
fn find_word(s: &str, needle: &str) -> Option<usize> {
    let whole = s.match_indices(needle).map(|(i, _)| i).find(|&i| {
        !s[i + needle.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    });
    whole.or_else(|| s.find(needle))
}

fn strip_comment(v: &str) -> &str {
    if v.starts_with('#') {
        return "";
    }
    match v.find(" #") {
        Some(i) if !v.starts_with('"') && !v.starts_with('\'') => v[..i].trim_end(),
        _ => v.trim_end(),
    }
}

/// `key: value` -> (key, offset of the value). Handles quoted keys.
fn split_key(s: &str) -> Option<(String, usize)> {
    let bytes = s.as_bytes();
    if bytes.first() == Some(&b'"') || bytes.first() == Some(&b'\'') {
        let q = bytes[0] as char;
        let end = s[1..].find(q)? + 1;
        let key = s[1..end].to_string();
        let after = &s[end + 1..];
        if after.starts_with(':') {
            return Some((key, end + 2));
        }
        return None;
    }
    if s.starts_with('{') || s.starts_with('[') {
        return None;
    }
    let mut i = 0;
    while let Some(off) = s[i..].find(':') {
        let at = i + off;
        let next = s[at + 1..].chars().next();
        if next.is_none() || next == Some(' ') {
            return Some((s[..at].trim_end().to_string(), at + 1));
        }
        i = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_keys() {
        let text = "views:\n  - name: orders\n    dimensions:\n      - name: status\n        sql: |\n          ${TABLE}.x\n      - name: b\nexplores:\n- name: e\n  joins:\n  - name: j\n";
        let idx = PosIndex::new(text);
        assert_eq!(idx.key(&ypath!["views", 0usize, "name"]), (2, 5));
        assert_eq!(idx.value(&ypath!["views", 0usize, "name"]), (2, 11));
        assert_eq!(
            idx.key(&ypath!["views", 0usize, "dimensions", 1usize, "name"]),
            (7, 9)
        );
        assert_eq!(
            idx.find(&ypath!["views", 0usize, "dimensions", 0usize, "sql"], "x"),
            (6, 20)
        );
        assert_eq!(
            idx.key(&ypath!["explores", 0usize, "joins", 0usize, "name"]),
            (11, 5)
        );
        assert_eq!(idx.key(&ypath!["explores", 0usize, "name"]), (9, 3));
    }
}
