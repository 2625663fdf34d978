//! What the page's browser window tells and does, shared by the pages: the query string the
//! page was opened with, and leaving for another page. Both are no-ops on the server.

/// The page's query string (`?...`; empty on the server).
pub(crate) fn current_search() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// Load `path` as a new page.
pub(crate) fn navigate(path: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_href(path);
    }
}
