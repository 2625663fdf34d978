//! A field's display format: `value_format` (Excel-style, checked with the grammar the web app
//! shows it with, [`boltic_types::value_format`]) or `value_format_name` (one of Looker's names,
//! resolved here to the format it stands for, as the wire carries only `value_format`).

use boltic_types::value_format::{NAMED, ValueFormat, named};

use super::context::{At, Ctx};
use crate::error::{Code, did_you_mean};
use crate::yaml_pos::Seg;

/// The format of the field at `field_path` (a dimension or measure, `kind`, named `name`) of
/// file `fi`, given `value_format` and/or `value_format_name`: the format, or None with a
/// diagnostic (an unknown name, a format that cannot be shown, both keys at once).
pub(super) fn value_format(
    ctx: &mut Ctx<'_>,
    fi: usize,
    field_path: &[Seg],
    (kind, name): (&str, &str),
    format: Option<&str>,
    format_name: Option<&str>,
) -> Option<String> {
    let at = |key: &'static str| {
        let mut p = field_path.to_vec();
        p.push(Seg::Key(key.into()));
        p
    };
    match (format, format_name) {
        (None, None) => None,
        (Some(_), Some(_)) => {
            ctx.report(
                fi,
                At::Key(&at("value_format_name")),
                Code::InvalidValueFormat,
                format!("{kind} '{name}' has both 'value_format' and 'value_format_name'"),
                Some("keep only one of them".into()),
            );
            None
        }
        (None, Some(n)) => match named(n) {
            Some(f) => Some(f.to_string()),
            None => {
                let names = NAMED.iter().map(|(n, _)| *n);
                ctx.report(
                    fi,
                    At::Value(&at("value_format_name")),
                    Code::InvalidValueFormat,
                    format!("unknown value format name '{n}' in {kind} '{name}'"),
                    Some(did_you_mean(n, names.clone()).unwrap_or_else(|| {
                        format!(
                            "use one of {}, or write an Excel-style 'value_format' such as '€#,##0.00'",
                            names.collect::<Vec<_>>().join(", ")
                        )
                    })),
                );
                None
            }
        },
        (Some(f), None) => match ValueFormat::parse(f) {
            Ok(_) => Some(f.to_string()),
            Err(e) => {
                ctx.report_in_value(
                    fi,
                    &at("value_format"),
                    e.offset,
                    Code::InvalidValueFormat,
                    format!("invalid value format '{f}' in {kind} '{name}'"),
                    Some(e.message),
                );
                None
            }
        },
    }
}
