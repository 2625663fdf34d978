//! What the page's browser window tells and does, shared by the pages: the path and query
//! string the page was opened with, leaving for another page, and the time zones it knows. All
//! are no-ops (or empty) on the server.

/// The page's query string (`?...`; empty on the server).
pub(crate) fn current_search() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// The page's path (`/explore/orders`).
#[cfg(feature = "hydrate")]
pub(crate) fn current_path() -> String {
    web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default()
}

/// Load `path` as a new page.
pub(crate) fn navigate(path: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_href(path);
    }
}

/// The IANA time zones the browser knows (`Intl.supportedValuesOf`), empty where it cannot
/// say (and on the server); the server accepts only IANA names whatever is sent.
pub(crate) fn time_zones() -> Vec<String> {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let intl = js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).ok();
        let list = intl.and_then(|intl| {
            let f = js_sys::Reflect::get(&intl, &"supportedValuesOf".into()).ok()?;
            let f = f.dyn_into::<js_sys::Function>().ok()?;
            f.call1(&intl, &"timeZone".into()).ok()
        });
        list.map(|l| {
            js_sys::Array::from(&l)
                .iter()
                .filter_map(|v| v.as_string())
                .collect()
        })
        .unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Vec::new()
    }
}

/// The browser's own time zone (none on the server).
pub(crate) fn time_zone() -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        let options = js_sys::Intl::DateTimeFormat::default().resolved_options();
        js_sys::Reflect::get(&options, &"timeZone".into())
            .ok()
            .and_then(|z| z.as_string())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        None
    }
}
