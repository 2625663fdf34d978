//! Pivoted tables (pure, tested on the host): the values of the pivot dimensions become
//! column groups, one column per measure under each, the other dimensions stay as rows.

use serde_json::{Map, Value};

use crate::api::{FieldMeta, QueryResult};

/// A result laid out with its pivot values across.
#[derive(Debug, Clone, PartialEq)]
pub struct Pivoted {
    /// Dimensions that stay as rows.
    pub row_fields: Vec<FieldMeta>,
    /// The pivot dimensions.
    pub pivot_fields: Vec<FieldMeta>,
    /// Measures, repeated under each pivot column.
    pub measures: Vec<FieldMeta>,
    /// Pivot value combinations, in order of first appearance.
    pub columns: Vec<Vec<Value>>,
    /// Each row: its dimension values and one cell per (column, measure).
    pub rows: Vec<(Vec<Value>, Vec<Option<Value>>)>,
    /// Each column's totals, one cell per (column, measure), from the answer's
    /// `pivot_totals`; empty when it has none.
    pub column_totals: Vec<Option<Value>>,
}

fn values(row: &Map<String, Value>, fields: &[FieldMeta]) -> Vec<Value> {
    fields
        .iter()
        .map(|f| row.get(&f.name).cloned().unwrap_or(Value::Null))
        .collect()
}

/// The pivoted layout of `result`, or None when it has no pivot fields.
pub fn pivot(result: &QueryResult) -> Option<Pivoted> {
    let pivot_fields: Vec<FieldMeta> = result.fields.iter().filter(|f| f.pivot).cloned().collect();
    if pivot_fields.is_empty() {
        return None;
    }
    let row_fields: Vec<FieldMeta> = result
        .fields
        .iter()
        .filter(|f| !f.pivot && f.is_dimension())
        .cloned()
        .collect();
    let measures: Vec<FieldMeta> = result
        .fields
        .iter()
        .filter(|f| f.is_measure())
        .cloned()
        .collect();
    let mut columns: Vec<Vec<Value>> = Vec::new();
    let mut keys: Vec<Vec<Value>> = Vec::new();
    let mut found: Vec<(usize, usize, &Map<String, Value>)> = Vec::new();
    for row in result.rows() {
        let col = values(row, &pivot_fields);
        let c = columns.iter().position(|k| *k == col).unwrap_or_else(|| {
            columns.push(col);
            columns.len() - 1
        });
        let key = values(row, &row_fields);
        let r = keys.iter().position(|k| *k == key).unwrap_or_else(|| {
            keys.push(key);
            keys.len() - 1
        });
        found.push((r, c, row));
    }
    let width = columns.len() * measures.len();
    let mut rows: Vec<(Vec<Value>, Vec<Option<Value>>)> =
        keys.into_iter().map(|k| (k, vec![None; width])).collect();
    for (r, c, row) in found {
        for (m, f) in measures.iter().enumerate() {
            rows[r].1[c * measures.len() + m] = row.get(&f.name).cloned();
        }
    }
    let totals = result.pivot_totals();
    let column_totals = if totals.is_empty() {
        Vec::new()
    } else {
        columns
            .iter()
            .flat_map(|col| {
                let row = totals.iter().find(|t| values(t, &pivot_fields) == *col);
                measures
                    .iter()
                    .map(move |m| row.and_then(|r| r.get(&m.name).cloned()))
            })
            .collect()
    };
    Some(Pivoted {
        row_fields,
        pivot_fields,
        measures,
        columns,
        rows,
        column_totals,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meta(name: &str, kind: &str, pivot: bool) -> FieldMeta {
        FieldMeta {
            name: name.into(),
            kind: serde_json::from_value(json!(kind)).unwrap(),
            ty: "string".into(),
            label: None,
            value_format: None,
            pivot,
        }
    }

    #[test]
    fn pivot_values_become_column_groups() {
        let fields = vec![
            meta("t.month", "dimension", false),
            meta("a.maker", "dimension", true),
            meta("o.n", "measure", false),
            meta("o.rev", "measure", false),
        ];
        let result = crate::api::test_result(
            fields,
            json!([
                {"t.month": "2024-01", "a.maker": "Airbus", "o.n": 1, "o.rev": 10},
                {"t.month": "2024-01", "a.maker": "Boeing", "o.n": 2, "o.rev": 20},
                {"t.month": "2024-02", "a.maker": "Boeing", "o.n": 3, "o.rev": 30},
            ]),
        );
        let p = pivot(&result).unwrap();
        assert_eq!(
            p.columns,
            vec![vec![json!("Airbus")], vec![json!("Boeing")]]
        );
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[0].0, vec![json!("2024-01")]);
        assert_eq!(
            p.rows[0].1,
            vec![
                Some(json!(1)),
                Some(json!(10)),
                Some(json!(2)),
                Some(json!(20))
            ]
        );
        // February has no Airbus orders: empty cells, not zeros
        assert_eq!(
            p.rows[1].1,
            vec![None, None, Some(json!(3)), Some(json!(30))]
        );
        assert!(p.column_totals.is_empty(), "no totals asked");
        // each column's totals, by pivot value, whatever their order in the answer
        let totals: Vec<boltic_types::Row> = serde_json::from_value(json!([
            {"a.maker": "Boeing", "o.n": 5, "o.rev": 50},
            {"a.maker": "Airbus", "o.n": 1, "o.rev": 10},
        ]))
        .unwrap();
        let with_totals = QueryResult {
            pivot_totals: Some(boltic_types::Encoded::Value(totals)),
            ..result.clone()
        };
        assert_eq!(
            pivot(&with_totals).unwrap().column_totals,
            vec![
                Some(json!(1)),
                Some(json!(10)),
                Some(json!(5)),
                Some(json!(50))
            ]
        );
        let flat = QueryResult {
            fields: vec![meta("o.n", "measure", false)],
            ..result
        };
        assert!(pivot(&flat).is_none());
    }
}
