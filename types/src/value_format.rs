//! Value formats: the Excel-style number format a field carries on the wire (`value_format`,
//! e.g. `€#,##0.00`), Looker's named formats that stand for one (`value_format_name: eur`), and
//! the formatter the web app shows numbers with. One grammar for the semantic layer, which
//! refuses a format it cannot show, and the browser, which shows it.
//!
//! The subset of Excel's grammar understood:
//! - digit placeholders `0` (always shown) and `#` (shown when significant), together in one
//!   place: `#,##0.00`; a `,` between them groups thousands, a `,` right after them divides by
//!   1,000 (`0.0,, "M"` shows millions); one `.` starts the decimals (`0.0#`: one to two);
//! - `%` multiplies by 100 and shows `%`;
//! - literal text before and after the number: `"quoted text"`, `\x` (one character), `[$€]` or
//!   `[$€-407]` (a currency), `_x` (a space), and unquoted the characters `$ - + / ( ) : ! ^ & '
//!   ~ { } < > =`, space, and any non-ASCII character (`€`, `£`, `¥`, `₹`);
//! - up to three sections `positive;negative;zero`: the negative section shows the number
//!   without its minus sign (`$#,##0;($#,##0)`); with one section a negative number gets `-` in
//!   front of everything (`-€1.50`).
//!
//! Dates, colours, conditions, fractions, scientific notation and text placeholders are refused
//! with the place and what to write instead.

use std::fmt;

/// Looker's named formats (`value_format_name`) and the format each stands for.
pub const NAMED: &[(&str, &str)] = &[
    ("decimal_0", "#,##0"),
    ("decimal_1", "#,##0.0"),
    ("decimal_2", "#,##0.00"),
    ("decimal_3", "#,##0.000"),
    ("decimal_4", "#,##0.0000"),
    ("percent_0", "0%"),
    ("percent_1", "0.0%"),
    ("percent_2", "0.00%"),
    ("percent_3", "0.000%"),
    ("percent_4", "0.0000%"),
    ("usd", "$#,##0.00"),
    ("usd_0", "$#,##0"),
    ("eur", "€#,##0.00"),
    ("eur_0", "€#,##0"),
    ("gbp", "£#,##0.00"),
    ("gbp_0", "£#,##0"),
    ("id", "0"),
];

/// The format a named format stands for: `eur` → `€#,##0.00`.
pub fn named(name: &str) -> Option<&'static str> {
    NAMED.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// Why a format string is not one we can show: where (0-based character offset) and what to
/// write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    /// 0-based character offset of the problem in the format.
    pub offset: usize,
    /// Lowercase, names the thing in quotes, says what to do.
    pub message: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.offset + 1)
    }
}

impl std::error::Error for FormatError {}

/// A parsed format: one to three sections (positive; negative; zero).
#[derive(Debug, Clone, PartialEq)]
pub struct ValueFormat {
    sections: Vec<Section>,
}

/// One section: literal text around an optional number.
#[derive(Debug, Clone, PartialEq, Default)]
struct Section {
    prefix: String,
    suffix: String,
    number: Option<Digits>,
}

/// The number of a section.
#[derive(Debug, Clone, PartialEq, Default)]
struct Digits {
    /// Integer placeholders from the first `0` on (`#,#00` → 2): the fewest integer digits
    /// shown, padded with zeros.
    min_int: usize,
    /// Thousands separators.
    grouping: bool,
    /// Decimal placeholders up to the last `0` (`0.0#` → 1): the fewest decimals shown.
    min_dec: usize,
    /// `0`s and `#`s after the decimal point: the most decimals shown.
    max_dec: usize,
    /// A power of ten the value is multiplied by: +2 per `%`, -3 per trailing `,`.
    scale: i32,
}

/// Where the parser is in a section.
#[derive(Clone, Copy, PartialEq)]
enum Stage {
    /// Before any digit placeholder.
    Prefix,
    /// Among the integer digit placeholders (and `,`).
    Int,
    /// Right after integer placeholders and one or more `,`: scaling commas so far.
    Commas,
    /// After the decimal point.
    Dec,
    /// Right after decimal placeholders and one or more `,`: scaling commas.
    DecCommas,
    /// After the number.
    Suffix,
}

/// Literal text: before the number, or after it (which ends the number).
fn literal(s: &mut Section, stage: &mut Stage, text: &str) {
    if *stage == Stage::Prefix {
        s.prefix.push_str(text);
    } else {
        *stage = Stage::Suffix;
        s.suffix.push_str(text);
    }
}

fn err(offset: usize, message: impl Into<String>) -> FormatError {
    FormatError {
        offset,
        message: message.into(),
    }
}

/// What a format without sections (which `parse` never makes) shows: nothing.
static NO_SECTION: Section = Section {
    prefix: String::new(),
    suffix: String::new(),
    number: None,
};

/// Characters shown as themselves without quotes (Excel's list).
const PLAIN: &str = "$-+/():!^&'~{}<>= ";

impl std::str::FromStr for ValueFormat {
    type Err = FormatError;

    fn from_str(s: &str) -> Result<Self, FormatError> {
        ValueFormat::parse(s)
    }
}

impl ValueFormat {
    /// Parse an Excel-style format (see the module docs for the subset).
    pub fn parse(format: &str) -> Result<ValueFormat, FormatError> {
        let chars: Vec<char> = format.chars().collect();
        if chars.iter().all(|c| c.is_whitespace()) {
            return Err(err(0, "the format is empty; write e.g. '#,##0.00'"));
        }
        let mut sections = Vec::new();
        let mut i = 0;
        loop {
            let (section, next) = parse_section(&chars, i, sections.len())?;
            sections.push(section);
            match chars.get(next) {
                Some(';') if sections.len() == 3 => {
                    return Err(err(
                        next,
                        "at most three sections (positive;negative;zero) are supported",
                    ));
                }
                Some(';') => i = next + 1,
                _ => break,
            }
        }
        Ok(ValueFormat { sections })
    }

    /// `x` as this format shows it: `€#,##0.00` and 1234.5 → `€1,234.50`.
    pub fn format(&self, x: f64) -> String {
        self.show(x, None)
    }

    /// An integer exactly, however large (no float rounding): `0` and 2^60 → all its digits.
    pub fn format_int(&self, n: i128) -> String {
        let (section, negative) = self.section_for(n.signum() as f64);
        let Some(d) = &section.number else {
            return self.show(n as f64, None);
        };
        if !(0..=20).contains(&d.scale) {
            return self.show(n as f64, None);
        }
        let Some(scaled) = 10i128
            .checked_pow(d.scale.unsigned_abs())
            .and_then(|p| n.unsigned_abs().checked_mul(p as u128))
        else {
            return self.show(n as f64, None);
        };
        let sign = if negative && scaled != 0 { "-" } else { "" };
        let number = d.digits(&scaled.to_string(), &"0".repeat(d.min_dec));
        format!("{sign}{}{number}{}", section.prefix, section.suffix)
    }

    /// `x` as an axis tick: this format's text, scale and grouping, with the decimals the tick
    /// needs (ticks are round numbers: `€#,##0.00` shows 5000 as `€5,000` and 2.5 as `€2.5`).
    pub fn format_tick(&self, x: f64) -> String {
        let (section, _) = self.section_for(x);
        let Some(d) = &section.number else {
            return self.format(x);
        };
        let scaled = x.abs() * 10f64.powi(d.scale);
        let needed = (0..=10)
            .find(|n| {
                let p = 10f64.powi(*n);
                ((scaled * p).round() / p - scaled).abs() <= 1e-9 * scaled.abs().max(1.0)
            })
            .unwrap_or(10) as usize;
        self.show(x, Some(needed))
    }

    /// The section for `x` and whether a `-` goes in front (one section, negative `x`).
    fn section_for(&self, x: f64) -> (&Section, bool) {
        match self.sections.as_slice() {
            [_, neg, ..] if x < 0.0 => (neg, false),
            [_, _, zero] if x == 0.0 => (zero, false),
            [first, ..] => (first, x < 0.0),
            // `parse` makes at least one section
            [] => (&NO_SECTION, false),
        }
    }

    /// `x` in its section; `decimals` overrides the section's (for ticks).
    fn show(&self, x: f64, decimals: Option<usize>) -> String {
        if x.is_nan() {
            return "NaN".into();
        }
        let (section, negative) = self.section_for(x);
        let Some(d) = &section.number else {
            return format!("{}{}", section.prefix, section.suffix);
        };
        if x.is_infinite() {
            let sign = if negative { "-" } else { "" };
            return format!("{sign}{}∞{}", section.prefix, section.suffix);
        }
        let (min_dec, max_dec) = decimals.map_or((d.min_dec, d.max_dec), |n| (n, n));
        let text = rounded(x.abs(), d.scale, max_dec);
        let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
        let mut frac = frac.to_string();
        while frac.len() > min_dec && frac.ends_with('0') {
            frac.pop();
        }
        let zero = int.chars().chain(frac.chars()).all(|c| c == '0');
        let sign = if negative && !zero { "-" } else { "" };
        format!(
            "{sign}{}{}{}",
            section.prefix,
            d.digits(int, &frac),
            section.suffix
        )
    }
}

/// `x` (finite, not negative) times 10^`scale`, rounded half away from zero to `decimals`
/// decimals, as digits with a `.` when there are decimals: (1234.565, 0, 2) → `1234.57`. Works
/// on the shortest decimal form of `x` (what it was written as: 0.045, not 0.04499…), as Excel
/// and Looker round, and scales by moving the point, so 0.285 is 29% exactly.
fn rounded(x: f64, scale: i32, decimals: usize) -> String {
    let e = format!("{x:e}");
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let digits: Vec<u8> = mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    // x = 0.d1d2d3… × 10^point; keep the digits down to 10^-decimals
    let point = exp.parse::<i64>().unwrap_or(0) + 1 + i64::from(scale);
    let keep = point + decimals as i64;
    let digit = |i: i64| {
        usize::try_from(i)
            .ok()
            .and_then(|i| digits.get(i))
            .copied()
            .unwrap_or(0)
    };
    let mut kept: Vec<u8> = (0..keep.max(0)).map(digit).collect();
    if keep >= 0 && digit(keep) >= 5 {
        // round up: carry through the 9s
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, 1);
                break;
            }
            i -= 1;
            if kept[i] == 9 {
                kept[i] = 0;
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    let mut text: String = kept.iter().map(|d| char::from(b'0' + d)).collect();
    if text.len() < decimals + 1 {
        text = format!("{}{text}", "0".repeat(decimals + 1 - text.len()));
    }
    if decimals > 0 {
        text.insert(text.len() - decimals, '.');
    }
    text
}

impl Digits {
    /// The integer digits `int` (no sign, no leading zeros but a lone `0`) and decimals `frac`
    /// as placed by this number: padded, grouped, with a decimal point when there are decimals.
    fn digits(&self, int: &str, frac: &str) -> String {
        let int = int.trim_start_matches('0');
        let int = format!(
            "{}{int}",
            "0".repeat(self.min_int.saturating_sub(int.len()))
        );
        let mut out = String::new();
        for (i, c) in int.chars().enumerate() {
            if self.grouping && i > 0 && (int.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        if !frac.is_empty() {
            out.push('.');
            out.push_str(frac);
        }
        out
    }
}

/// Parse the section starting at `chars[start]`, the `index`th; returns it and where it ended
/// (at a top-level `;` or the end).
fn parse_section(
    chars: &[char],
    start: usize,
    index: usize,
) -> Result<(Section, usize), FormatError> {
    let mut s = Section::default();
    let mut stage = Stage::Prefix;
    // integer placeholders, and how many of them from the first `0` on (they are padded)
    let (mut int_places, mut int_zeros) = (0usize, None::<usize>);
    // decimal placeholders, and how many up to the last `0` (always shown)
    let (mut dec_places, mut dec_zeros) = (0usize, 0usize);
    let (mut grouping, mut percents, mut commas) = (false, 0i32, 0i32);
    let mut i = start;
    while let Some(&c) = chars.get(i) {
        match c {
            ';' => break,
            '0' | '#' => match stage {
                Stage::Prefix | Stage::Int | Stage::Commas => {
                    // commas between placeholders group thousands
                    grouping |= stage == Stage::Commas;
                    commas = 0;
                    stage = Stage::Int;
                    int_places += 1;
                    if c == '0' && int_zeros.is_none() {
                        int_zeros = Some(int_places - 1);
                    }
                }
                Stage::Dec => {
                    dec_places += 1;
                    if c == '0' {
                        dec_zeros = dec_places;
                    }
                }
                Stage::DecCommas => {
                    return Err(err(
                        i - 1,
                        "',' in the decimals; group thousands before the decimal point: '#,##0.00'",
                    ));
                }
                Stage::Suffix => {
                    return Err(err(
                        i,
                        format!(
                            "digit placeholder '{c}' after the number's text; keep the number's '0's and '#'s together and quote text: \"text\""
                        ),
                    ));
                }
            },
            ',' => match stage {
                Stage::Int | Stage::Commas => {
                    stage = Stage::Commas;
                    commas += 1;
                }
                Stage::Dec | Stage::DecCommas => {
                    stage = Stage::DecCommas;
                    commas += 1;
                }
                Stage::Prefix | Stage::Suffix => {
                    return Err(err(
                        i,
                        "',' must stand between or right after digit placeholders; quote it to show it: \",\"",
                    ));
                }
            },
            '.' => match stage {
                Stage::Prefix | Stage::Int | Stage::Commas => stage = Stage::Dec,
                Stage::Dec | Stage::DecCommas | Stage::Suffix => {
                    return Err(err(
                        i,
                        "a second '.'; a format has one decimal point (quote it to show it: \".\")",
                    ));
                }
            },
            '%' => {
                percents += 1;
                literal(&mut s, &mut stage, "%");
            }
            '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|c| *c == '"')
                    .ok_or_else(|| err(i, "a '\"' without its closing '\"'"))?;
                let text: String = chars[i + 1..i + 1 + end].iter().collect();
                literal(&mut s, &mut stage, &text);
                i += end + 1;
            }
            '\\' => {
                let Some(n) = chars.get(i + 1) else {
                    return Err(err(i, "a '\\' at the end; it shows the character after it"));
                };
                literal(&mut s, &mut stage, &n.to_string());
                i += 1;
            }
            '_' => {
                if chars.get(i + 1).is_none() {
                    return Err(err(
                        i,
                        "a '_' at the end; '_x' leaves a space as wide as 'x'",
                    ));
                }
                literal(&mut s, &mut stage, " ");
                i += 1;
            }
            '[' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|c| *c == ']')
                    .ok_or_else(|| err(i, "a '[' without its closing ']'"))?;
                let inner: String = chars[i + 1..i + 1 + end].iter().collect();
                let Some(currency) = inner.strip_prefix('$') else {
                    return Err(err(
                        i,
                        format!(
                            "'[{inner}]' is not supported (colours and conditions are not); only a currency such as '[$€]'"
                        ),
                    ));
                };
                literal(
                    &mut s,
                    &mut stage,
                    currency.split('-').next().unwrap_or_default(),
                );
                i += end + 1;
            }
            '?' => return Err(err(i, "'?' is not supported; use '#' or '0'")),
            '@' => {
                return Err(err(
                    i,
                    "'@' (text) is not supported; value formats are for numbers",
                ));
            }
            '*' => {
                return Err(err(
                    i,
                    "'*' (fill) is not supported; quote it to show it: \"*\"",
                ));
            }
            'E' | 'e'
                if stage != Stage::Prefix
                    && stage != Stage::Suffix
                    && chars.get(i + 1).is_some_and(|n| matches!(n, '+' | '-')) =>
            {
                return Err(err(i, "scientific notation ('E+') is not supported"));
            }
            c if c.is_ascii_alphabetic() => {
                let word: String = chars[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .collect();
                let message = if word.chars().all(|c| "yYmMdDhHsS".contains(c)) {
                    format!(
                        "'{word}' looks like a date format, which is not supported; value formats are for numbers"
                    )
                } else {
                    format!("text '{word}' must be quoted: \"{word}\"")
                };
                return Err(err(i, message));
            }
            c if PLAIN.contains(c) || !c.is_ascii() => literal(&mut s, &mut stage, &c.to_string()),
            c => return Err(err(i, format!("'{c}' must be quoted to show it: \"{c}\""))),
        }
        i += 1;
    }
    if stage == Stage::Prefix {
        if index == 0 {
            return Err(err(
                start,
                "the format has no digit placeholder; write e.g. '#,##0.00' (with text: '\"€\"#,##0.00')",
            ));
        }
    } else {
        s.number = Some(Digits {
            min_int: int_zeros.map_or(0, |z| int_places - z),
            grouping,
            min_dec: dec_zeros,
            max_dec: dec_places,
            // trailing commas divide by 1,000 each
            scale: 2 * percents - 3 * commas,
        });
    }
    Ok((s, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(format: &str, x: f64) -> String {
        ValueFormat::parse(format)
            .unwrap_or_else(|e| panic!("{format}: {e}"))
            .format(x)
    }

    fn bad(format: &str) -> (usize, String) {
        let e = ValueFormat::parse(format).expect_err(format);
        (e.offset, e.message)
    }

    #[test]
    fn currencies_group_and_round() {
        assert_eq!(f("€#,##0.00", 15_500_510.0), "€15,500,510.00");
        assert_eq!(f("€#,##0.00", 1234.567), "€1,234.57");
        assert_eq!(f("$#,##0", 999.5), "$1,000");
        assert_eq!(f("£#,##0.00", 0.0), "£0.00");
        assert_eq!(f("#,##0.00\" kr\"", 1234.5), "1,234.50 kr");
        assert_eq!(f("[$€-407]#,##0.00", 12.0), "€12.00");
        assert_eq!(f("[$€]#,##0", 1e6), "€1,000,000");
        assert_eq!(f("\"€\"0", 123.0), "€123");
        assert_eq!(f("#,##0.00\\€", 5.0), "5.00€");
        assert_eq!(f("#,##0.00 €", 5.0), "5.00 €");
    }

    #[test]
    fn negative_numbers_take_their_sign_in_front_or_their_own_section() {
        assert_eq!(f("€#,##0.00", -1234.5), "-€1,234.50");
        assert_eq!(f("$#,##0.00;($#,##0.00)", -1234.5), "($1,234.50)");
        assert_eq!(f("$#,##0.00;($#,##0.00)", 2.0), "$2.00");
        assert_eq!(f("0.0;-0.0;\"zero\"", 0.0), "zero");
        assert_eq!(f("0.0;-0.0;\"zero\"", -1.0), "-1.0");
        // what rounds to zero has no sign
        assert_eq!(f("0.00", -0.001), "0.00");
        assert_eq!(f("0", -0.4), "0");
    }

    #[test]
    fn rounding_is_half_away_from_zero_on_the_written_number() {
        assert_eq!(f("0", 2.5), "3");
        assert_eq!(f("0", 0.5), "1");
        assert_eq!(f("0", -2.5), "-3");
        assert_eq!(f("0.00", 0.125), "0.13");
        assert_eq!(f("0.00", 0.045), "0.05");
        assert_eq!(f("0.00", 1234.565), "1234.57");
        assert_eq!(f("0%", 0.285), "29%");
        assert_eq!(f("0.0%", 0.07), "7.0%");
        assert_eq!(f("0", 9.5), "10");
        assert_eq!(f("#,##0.00", 999_999.995), "1,000,000.00");
        assert_eq!(f("0.00", 0.004), "0.00");
        assert_eq!(f("0.00", 0.005), "0.01");
        assert_eq!(f("0", 0.0), "0");
        assert_eq!(f("0.000", 1e-7), "0.000");
        assert_eq!(f("0", 1e21), "1000000000000000000000");
        assert_eq!(f("#,##0.0,,", 1_250_000.0), "1.3");
    }

    #[test]
    fn decimals_and_percent() {
        assert_eq!(f("0.00", 1.0), "1.00");
        assert_eq!(f("0.0#", 1.0), "1.0");
        assert_eq!(f("0.0#", 1.234), "1.23");
        assert_eq!(f("0.##", 1.0), "1");
        assert_eq!(f("#,##0.0000", 1234.56789), "1,234.5679");
        assert_eq!(f("0%", 0.123_456), "12%");
        assert_eq!(f("0.0%", 0.256), "25.6%");
        assert_eq!(f("#,##0.0%", 12.5), "1,250.0%");
        assert_eq!(f("0.00%", -0.07), "-7.00%");
        assert_eq!(f("0.0\\%", 12.5), "12.5%");
        assert_eq!(f("0.0\"%\"", 12.5), "12.5%");
        assert_eq!(f("00#", 1.0), "001");
        assert_eq!(f("#,##0", 0.0), "0");
        assert_eq!(f("0.#0", 1.5), "1.50");
        assert_eq!(f("#.00", 0.5), ".50");
        assert_eq!(f("0", 1_234_567.0), "1234567");
        assert_eq!(f("0.0,, \"M\"", 12_345_678.0), "12.3 M");
        assert_eq!(f("#,##0, \"K\"", 1_234_567.0), "1,235 K");
        assert_eq!(f("0", f64::INFINITY), "∞");
        assert_eq!(f("0", f64::NAN), "NaN");
    }

    #[test]
    fn every_named_format_parses_and_shows_like_lookers() {
        let x = 1234.56789;
        let shown: Vec<(&str, String)> = NAMED
            .iter()
            .map(|(n, _)| {
                let v = if n.starts_with("percent") {
                    0.123_456
                } else {
                    x
                };
                (*n, f(named(n).unwrap(), v))
            })
            .collect();
        let expected = [
            ("decimal_0", "1,235"),
            ("decimal_1", "1,234.6"),
            ("decimal_2", "1,234.57"),
            ("decimal_3", "1,234.568"),
            ("decimal_4", "1,234.5679"),
            ("percent_0", "12%"),
            ("percent_1", "12.3%"),
            ("percent_2", "12.35%"),
            ("percent_3", "12.346%"),
            ("percent_4", "12.3456%"),
            ("usd", "$1,234.57"),
            ("usd_0", "$1,235"),
            ("eur", "€1,234.57"),
            ("eur_0", "€1,235"),
            ("gbp", "£1,234.57"),
            ("gbp_0", "£1,235"),
            ("id", "1235"),
        ];
        let shown: Vec<(&str, &str)> = shown.iter().map(|(n, s)| (*n, s.as_str())).collect();
        assert_eq!(shown, expected);
        assert_eq!(named("euro"), None);
    }

    #[test]
    fn integers_are_exact() {
        let id = ValueFormat::parse("0").unwrap();
        assert_eq!(
            id.format_int(1_152_921_504_606_846_977),
            "1152921504606846977"
        );
        let grouped = ValueFormat::parse("€#,##0.00").unwrap();
        assert_eq!(grouped.format_int(-1_234_567), "-€1,234,567.00");
        assert_eq!(grouped.format_int(0), "€0.00");
        let pct = ValueFormat::parse("0%").unwrap();
        assert_eq!(pct.format_int(2), "200%");
        let thousands = ValueFormat::parse("0.0,").unwrap();
        assert_eq!(thousands.format_int(1500), "1.5");
    }

    #[test]
    fn ticks_show_the_decimals_they_need() {
        let eur = ValueFormat::parse("€#,##0.00").unwrap();
        assert_eq!(eur.format_tick(5_000_000.0), "€5,000,000");
        assert_eq!(eur.format_tick(2.5), "€2.5");
        assert_eq!(eur.format_tick(0.0), "€0");
        assert_eq!(eur.format_tick(-1000.0), "-€1,000");
        let pct = ValueFormat::parse("0.0%").unwrap();
        assert_eq!(pct.format_tick(0.1), "10%");
        assert_eq!(pct.format_tick(0.125), "12.5%");
        let count = ValueFormat::parse("#,##0").unwrap();
        assert_eq!(count.format_tick(0.5), "0.5");
    }

    #[test]
    fn nonsense_is_refused_with_its_place() {
        assert_eq!(
            bad(""),
            (0, "the format is empty; write e.g. '#,##0.00'".into())
        );
        assert_eq!(
            bad("€"),
            (
                0,
                "the format has no digit placeholder; write e.g. '#,##0.00' (with text: '\"€\"#,##0.00')".into()
            )
        );
        assert_eq!(
            bad("#,##0.00 kr"),
            (9, "text 'kr' must be quoted: \"kr\"".into())
        );
        assert_eq!(
            bad("yyyy-mm-dd"),
            (
                0,
                "'yyyy' looks like a date format, which is not supported; value formats are for numbers".into()
            )
        );
        assert_eq!(bad("0.00.0").0, 4);
        assert_eq!(bad("0 \"x\" 0").0, 6);
        assert_eq!(bad("\"€#,##0").0, 0);
        assert_eq!(bad("[Red]0").0, 0);
        assert_eq!(bad("0.00E+00").0, 4);
        assert_eq!(bad("0;0;0;@").0, 5);
        assert_eq!(bad("0.0,0").0, 3);
        assert_eq!(bad(",0").0, 0);
        assert_eq!(bad("?").0, 0);
        assert!(bad("[Red]0").1.contains("'[Red]'"));
        // sections after the first may be text only
        assert_eq!(f("0;\"negative\"", -1.0), "negative");
    }
}
