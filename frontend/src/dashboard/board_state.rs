//! A dashboard page's state and what changes it: the dashboard itself, its filter values, time
//! zone and warehouse version (kept in the URL), every tile's latest answer, edit mode; running tiles, saving
//! (one save at a time), moving a tile and adding a text tile. [`BoardState`] is `Copy` and handed to the board's parts.

use std::collections::{BTreeMap, HashMap};

use leptos::prelude::*;
use serde_json::json;

use super::placement::{LayoutEdit, compact_tiles, nudge_tile};
use crate::api::{self, DashboardFilter, DashboardResponse, ErrorBody, QueryResult, Tile};
use crate::browser::current_search;
use crate::grid;
use crate::state::{ExploreState, decode, encode, filters_query_string};

/// A tile's latest answer.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TileState {
    pub(super) answer: Option<Result<QueryResult, ErrorBody>>,
    pub(super) loading: bool,
    pub(super) ran_at: Option<String>,
}

/// The signals of one dashboard page.
#[derive(Clone, Copy)]
pub(super) struct BoardState {
    /// The dashboard as last loaded or edited.
    pub(super) dash: RwSignal<DashboardResponse>,
    /// Dashboard filter values by field.
    pub(super) values: RwSignal<BTreeMap<String, String>>,
    /// The time zone the tiles run in (None: the model's).
    pub(super) timezone: RwSignal<Option<String>>,
    /// The warehouse version the tiles run on (None: the latest), from the URL's `as_of`.
    pub(super) as_of: RwSignal<Option<String>>,
    /// Every tile's latest answer, by tile name.
    pub(super) results: RwSignal<HashMap<String, TileState>>,
    /// Edit mode (layout, titles, charts, filters).
    pub(super) editing: RwSignal<bool>,
    /// The last save's error, if it failed.
    pub(super) save_error: RwSignal<Option<ErrorBody>>,
    /// Why edit mode or the share panel did not open (their code could not be fetched); none
    /// once one opens.
    pub(super) load_error: RwSignal<Option<ErrorBody>>,
    /// Opened by a share link: read-only, no way into the rest of the app.
    pub(super) shared: bool,
    /// Per tile, the number of its latest run (an older answer arriving late is dropped).
    seq: StoredValue<HashMap<String, u64>>,
    saving: StoredValue<bool>,
    save_again: StoredValue<bool>,
}

/// Filter values: from the URL (a shared link reproduces them), else the defaults (the
/// `f.<field>` pairs of `search`, read as the explore reads its filters).
fn filter_values(filters: &[DashboardFilter], search: &str) -> BTreeMap<String, String> {
    let from_url: BTreeMap<String, String> = ExploreState::from_query_string(search)
        .filters
        .into_iter()
        .collect();
    filters
        .iter()
        .map(|f| {
            let v = from_url
                .get(&f.field)
                .cloned()
                .or_else(|| f.default.clone())
                .unwrap_or_default();
            (f.field.clone(), v)
        })
        .collect()
}

/// The value of `key` in the URL's query string, if any and not empty.
fn url_value(search: &str, key: &str) -> Option<String> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| decode(v))
        .filter(|v| !v.is_empty())
}

/// The query string of a board's filter values and time zone (empty when there are none).
pub(super) fn board_query_string(
    values: &BTreeMap<String, String>,
    timezone: Option<&str>,
) -> String {
    let mut qs = filters_query_string(values.iter());
    if let Some(tz) = timezone {
        if !qs.is_empty() {
            qs.push('&');
        }
        qs.push_str(&format!("z={}", encode(tz)));
    }
    qs
}

/// The time of day, for "last run" (empty on the server).
fn clock() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::Date::new_0().to_locale_time_string("en-GB"))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        String::new()
    }
}

impl BoardState {
    pub(super) fn new(info: DashboardResponse, shared: bool) -> Self {
        let search = current_search();
        let mut values = filter_values(&info.filters, &search);
        // a share link's locked values win over the URL and the defaults
        values.extend(info.locked_filters.clone());
        BoardState {
            dash: RwSignal::new(info),
            values: RwSignal::new(values),
            timezone: RwSignal::new(url_value(&search, "z")),
            // a share link shows the latest data
            as_of: RwSignal::new(url_value(&search, "as_of").filter(|_| !shared)),
            results: RwSignal::new(HashMap::new()),
            editing: RwSignal::new(false),
            save_error: RwSignal::new(None),
            load_error: RwSignal::new(None),
            shared,
            seq: StoredValue::new(HashMap::new()),
            saving: StoredValue::new(false),
            save_again: StoredValue::new(false),
        }
    }

    /// Tile `name` as it is now (tracked).
    pub(super) fn tile(self, name: &str) -> Option<Tile> {
        self.dash
            .with(|d| d.tiles.iter().find(|t| t.name == name).cloned())
    }

    /// Run one tile with the current filter values; `fresh` bypasses the cache.
    pub(super) fn run_tile(self, tile: String, fresh: bool) {
        let name = self.dash.with_untracked(|d| d.name.clone());
        let n = self.seq.with_value(|s| s.get(&tile).copied().unwrap_or(0)) + 1;
        self.seq.update_value(|s| {
            s.insert(tile.clone(), n);
        });
        self.results.update(|r| {
            r.entry(tile.clone())
                .or_insert(TileState {
                    answer: None,
                    loading: true,
                    ran_at: None,
                })
                .loading = true;
        });
        let body = self.tile_request();
        let url = self.tile_url(&name, &tile, fresh);
        leptos::task::spawn_local(async move {
            let answer = api::post::<QueryResult>(&url, &body, None).await;
            if self.seq.with_value(|s| s.get(&tile) == Some(&n)) {
                self.results.update(|r| {
                    r.insert(
                        tile,
                        TileState {
                            answer: Some(answer),
                            loading: false,
                            ran_at: Some(clock()),
                        },
                    );
                });
            }
        });
    }

    /// The URL that runs tile `tile` of dashboard `name` on the chosen warehouse version;
    /// `fresh` bypasses the cache.
    pub(super) fn tile_url(self, name: &str, tile: &str, fresh: bool) -> String {
        let mut options = Vec::new();
        if fresh {
            options.push("cache=false".to_string());
        }
        if let Some(version) = self.as_of.get_untracked() {
            options.push(format!("as_of={}", encode(&version)));
        }
        let query = if options.is_empty() {
            String::new()
        } else {
            format!("?{}", options.join("&"))
        };
        format!("/api/v1/dashboards/{name}/tiles/{tile}/query{query}")
    }

    /// The body of a tile query: the filter values and the time zone.
    pub(super) fn tile_request(self) -> serde_json::Value {
        let mut body = json!({"filters": self.values.get_untracked()});
        if let Some(tz) = self.timezone.get_untracked() {
            body["timezone"] = json!(tz);
        }
        body
    }

    /// Run every tile that has a query.
    pub(super) fn run_all(self, fresh: bool) {
        let tiles = self.dash.with_untracked(|d| {
            d.tiles
                .iter()
                .filter(|t| t.query.is_some())
                .map(|t| t.name.clone())
                .collect::<Vec<_>>()
        });
        for t in tiles {
            self.run_tile(t, fresh);
        }
    }

    /// Save the dashboard; changes made while a save runs are saved after it.
    pub(super) fn save(self) {
        if self.saving.get_value() {
            self.save_again.set_value(true);
            return;
        }
        self.saving.set_value(true);
        let d = self.dash.get_untracked();
        let url = format!("/api/v1/dashboards/{}", d.name);
        let body = d.to_update();
        leptos::task::spawn_local(async move {
            match api::put::<DashboardResponse>(&url, &body).await {
                Ok(saved) => {
                    // the text tiles' HTML as the server rendered the saved markdown
                    self.dash.update(|d| {
                        d.version = saved.version;
                        d.text_html = saved.text_html;
                    });
                    self.save_error.set(None);
                }
                Err(e) => self.save_error.set(Some(e)),
            }
            self.saving.set_value(false);
            if self.save_again.get_value() {
                self.save_again.set_value(false);
                self.save();
            }
        });
    }

    /// Whether filter `field` is fixed by the share link that opened the page.
    pub(super) fn is_locked(self, field: &str) -> bool {
        self.dash
            .with_untracked(|d| d.locked_filters.contains_key(field))
    }

    /// Set a dashboard filter's value: the URL and the tiles follow. A filter the share link
    /// locks keeps its value.
    pub(super) fn set_filter(self, field: String, value: String) {
        if self.is_locked(&field) {
            return;
        }
        self.values.update(|v| {
            v.insert(field, value);
        });
        self.show_in_url();
        self.run_all(false);
    }

    /// Run the tiles in time zone `tz` (None: the model's); the URL follows.
    pub(super) fn set_timezone(self, tz: Option<String>) {
        self.timezone.set(tz);
        self.show_in_url();
        self.run_all(false);
    }

    /// Run the tiles on warehouse version `version` (None: the latest); the URL follows.
    pub(super) fn set_as_of(self, version: Option<String>) {
        self.as_of.set(version);
        self.show_in_url();
        self.run_all(false);
    }

    /// The filter values, time zone and version in the address bar (a copied URL reproduces
    /// them).
    fn show_in_url(self) {
        let mut qs = self
            .values
            .with_untracked(|v| board_query_string(v, self.timezone.get_untracked().as_deref()));
        if let Some(version) = self.as_of.get_untracked() {
            if !qs.is_empty() {
                qs.push('&');
            }
            qs.push_str(&format!("as_of={}", encode(&version)));
        }
        if let Some(w) = web_sys::window() {
            let path = w.location().pathname().unwrap_or_default();
            let url = if qs.is_empty() {
                path
            } else {
                format!("{path}?{qs}")
            };
            if let Ok(h) = w.history() {
                let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
            }
        }
    }

    /// Move or resize tile `name` by `edit` (keyboard and buttons); saved if anything moved.
    pub(super) fn nudge(self, name: &str, edit: LayoutEdit) {
        let changed = self
            .dash
            .try_update(|d| nudge_tile(d, name, edit))
            .unwrap_or(false);
        if changed {
            self.save();
        }
    }

    /// Start or end edit mode. The tiles' tools take room from their charts, so every chart is
    /// told to fit its tile again once the page has changed (charts follow window resizes).
    pub(super) fn toggle_editing(self) {
        self.editing.update(|e| *e = !*e);
        // after the page has settled: a resize in the same frame can still measure 0×0
        set_timeout(
            || {
                if let (Some(w), Ok(resize)) = (web_sys::window(), web_sys::Event::new("resize")) {
                    let _ = w.dispatch_event(&resize);
                }
            },
            std::time::Duration::from_millis(100),
        );
    }

    /// Add a text tile (edit mode) in the first free place, below the others, and save.
    pub(super) fn add_text_tile(self) {
        self.dash.update(|d| {
            let taken = |n: &str| d.tiles.iter().any(|t| t.name == n);
            let name = (1..)
                .map(|i| format!("text-{i}"))
                .find(|n| !taken(n))
                .unwrap_or_default();
            let mut placement = grid::Placement::new(d.tiles.iter().filter_map(|t| t.layout));
            let mut layout = placement.next_free();
            layout.h = 2;
            d.tiles.push(Tile {
                name,
                title: "Notes".into(),
                chart: Default::default(),
                query: None,
                text: Some(
                    "Write *markdown* here: **bold**, lists, [links](https://example.com).".into(),
                ),
                layout: Some(layout),
            });
            compact_tiles(d);
        });
        self.save();
    }

    /// Remove the dashboard filter on `field`, save, and run the tiles without it.
    pub(super) fn remove_filter(self, field: &str) {
        self.dash.update(|d| d.filters.retain(|f| f.field != field));
        self.values.update(|v| {
            v.remove(field);
        });
        self.save();
        self.run_all(false);
    }

    /// Change tile `name` in place (title, chart, text) and save.
    pub(super) fn edit_tile(self, name: &str, edit: impl FnOnce(&mut Tile)) {
        self.dash.update(|d| {
            if let Some(t) = d.tiles.iter_mut().find(|t| t.name == name) {
                edit(t);
            }
        });
        self.save();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_values_round_trip_through_the_url() {
        let values = BTreeMap::from([
            ("orders.status".to_string(), "Finished,Booked".to_string()),
            ("trips.start_date".to_string(), "last 30 days".to_string()),
            ("customers.customer_group_type".to_string(), String::new()),
        ]);
        let qs = filters_query_string(values.iter());
        assert_eq!(
            qs,
            "f.orders.status=Finished,Booked&f.trips.start_date=last+30+days"
        );
        let back: BTreeMap<String, String> = ExploreState::from_query_string(&format!("?{qs}"))
            .filters
            .into_iter()
            .collect();
        assert_eq!(back.len(), 2);
        assert_eq!(back["trips.start_date"], "last 30 days");
    }
}
