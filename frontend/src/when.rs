//! Times as the pages show and send them: a short UTC time of a stored one (pure), and a
//! time some days ahead by the browser's clock (for expiries).

/// `2024-08-01 10:30` of an RFC 3339 or `Display`ed UTC time.
pub fn short_time(time: &str) -> String {
    time.get(..16).unwrap_or(time).replace('T', " ")
}

/// Now plus `days`, as RFC 3339 by the browser's clock (`None` on the server).
pub fn days_from_now(days: u32) -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        let ms = js_sys::Date::now() + f64::from(days) * 86_400_000.0;
        Some(String::from(js_sys::Date::new(&ms.into()).to_iso_string()))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = days;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_times() {
        assert_eq!(short_time("2024-08-01T10:30:12.5Z"), "2024-08-01 10:30");
        assert_eq!(short_time("2024-08-01 10:30:12 UTC"), "2024-08-01 10:30");
        assert_eq!(short_time("soon"), "soon");
    }
}
