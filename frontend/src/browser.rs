//! What the page's browser window tells and does, shared by the pages: the path and query
//! string the page was opened with, leaving for another page, and the time zones it knows. All
//! are no-ops (or empty) on the server.

use leptos::prelude::*;

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

/// The time zones a time zone picker offers: those the browser knows and its own, read once the
/// page is idle (or when a picker gets the focus), not while the page is first drawn. Reading
/// them loads the browser's time zone data: 20-30 ms of Chromium's main thread on this machine,
/// and 430 options, which the explore's field list would otherwise wait for
/// (`docs/benchmarks.md`, session 39). Until then a picker shows only what is chosen.
#[derive(Clone, Copy)]
pub(crate) struct BrowserZones {
    // two signals of types the app has anyway (a signal of a type of its own costs a kilobyte of
    // wasm); `all` is empty until read
    all: RwSignal<Vec<String>>,
    own: RwSignal<Option<String>>,
}

/// The browser's time zones ([`BrowserZones`]).
#[derive(Clone, Default)]
pub(crate) struct Zones {
    /// The IANA zones the browser knows.
    pub all: Vec<String>,
    /// The browser's own zone.
    pub own: Option<String>,
}

impl BrowserZones {
    /// Not read yet; read when the page is next idle (in the browser).
    pub(crate) fn new() -> Self {
        let zones = Self {
            all: RwSignal::new(Vec::new()),
            own: RwSignal::new(None),
        };
        // a browser without `requestIdleCallback` (Safari) reads them at once, as it is drawn
        #[cfg(target_arch = "wasm32")]
        if request_idle_callback_with_handle(move || zones.read_now()).is_err() {
            zones.read_now();
        }
        zones
    }

    /// Read them now if not yet (a picker got the focus; the idle time came).
    pub(crate) fn read_now(self) {
        if self.all.try_with_untracked(Vec::is_empty) == Some(true) {
            self.own.set(time_zone());
            self.all.set(time_zones());
        }
    }

    /// The zones read so far (none before they are read; tracked).
    pub(crate) fn get(self) -> Zones {
        Zones {
            all: self.all.get(),
            own: self.own.get(),
        }
    }
}

/// The IANA time zones the browser knows (`Intl.supportedValuesOf`), empty where it cannot
/// say (and on the server); the server accepts only IANA names whatever is sent.
fn time_zones() -> Vec<String> {
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
fn time_zone() -> Option<String> {
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
