//! The JSON API as the browser sees it: response types (the shapes `docs/api.md` documents and
//! the server's golden tests pin) and `fetch` calls. Requests only run in the browser; on the
//! server they report that, and the page renders its loading state.

use serde::Deserialize;
use serde_json::{Map, Value};

/// An explore in the list.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ExploreSummary {
    /// Name.
    pub name: String,
    /// Label.
    pub label: String,
}

/// A field of an explore.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FieldInfo {
    /// `view.field`.
    pub name: String,
    /// View (alias).
    pub view: String,
    /// `dimension` or `measure`.
    pub kind: String,
    /// Type.
    #[serde(rename = "type")]
    pub ty: String,
    /// Label.
    pub label: String,
    /// Description.
    pub description: Option<String>,
    /// Hidden from pickers.
    pub hidden: bool,
    /// Display format.
    pub value_format: Option<String>,
}

impl FieldInfo {
    /// A dimension (else a measure).
    pub fn is_dimension(&self) -> bool {
        self.kind == "dimension"
    }
    /// A time or date dimension.
    pub fn is_time(&self) -> bool {
        matches!(self.ty.as_str(), "time" | "date")
    }
}

/// An explore's fields.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ExploreDescription {
    /// Name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Fields, dimensions first.
    pub fields: Vec<FieldInfo>,
}

/// Result column.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FieldMeta {
    /// `view.field`.
    pub name: String,
    /// `dimension` or `measure`.
    pub kind: String,
    /// Type.
    #[serde(rename = "type")]
    pub ty: String,
    /// Label.
    pub label: Option<String>,
    /// Display format.
    pub value_format: Option<String>,
    /// Pivot dimension.
    pub pivot: bool,
}

/// A query result.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct QueryResult {
    /// Columns.
    pub fields: Vec<FieldMeta>,
    /// Rows keyed by `view.field`.
    pub rows: Vec<Map<String, Value>>,
    /// Totals row.
    pub totals: Option<Map<String, Value>>,
    /// Rows.
    pub row_count: usize,
    /// More rows existed.
    pub truncated: bool,
    /// SQL run.
    pub sql: String,
    /// hit, miss, bypass.
    pub cache: String,
}

/// A dashboard in the list.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DashboardSummary {
    /// Identifier.
    pub name: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// `project` or `app`.
    pub source: String,
    /// Whether the app may change it.
    pub editable: bool,
    /// Number of tiles.
    pub tiles: usize,
}

/// A tile's place on the 12-column grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct Layout {
    /// Column, 0-based.
    pub x: u32,
    /// Row, 0-based.
    pub y: u32,
    /// Width in columns.
    pub w: u32,
    /// Height in rows.
    pub h: u32,
}

/// A tile.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
pub struct Tile {
    /// Identifier within the dashboard.
    pub name: String,
    /// Title.
    pub title: String,
    /// Chart type (`auto`, `table`, `bar`, ... `single`).
    pub chart: String,
    /// The query (as the API takes it).
    pub query: Value,
    /// Place on the grid.
    pub layout: Option<Layout>,
}

/// A dashboard filter.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
pub struct DashboardFilter {
    /// `view.field`.
    pub field: String,
    /// Label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Default expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// A dashboard as the API returns it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DashboardInfo {
    /// Identifier.
    pub name: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Filters.
    pub filters: Vec<DashboardFilter>,
    /// Tiles.
    pub tiles: Vec<Tile>,
    /// `project` or `app`.
    pub source: String,
    /// Whether the app may change it.
    pub editable: bool,
    /// Version to send with changes.
    pub version: Option<i64>,
}

impl DashboardInfo {
    /// The body of a `PUT` replacing this dashboard.
    pub fn to_update(&self) -> Value {
        serde_json::json!({
            "title": self.title,
            "description": self.description,
            "filters": self.filters,
            "tiles": self.tiles,
            "version": self.version,
        })
    }
}

/// A share link.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ShareInfo {
    /// Public id.
    pub id: String,
    /// Made (RFC 3339).
    pub created_at: String,
    /// Expiry.
    pub expires_at: Option<String>,
    /// `active`, `expired` or `revoked`.
    pub status: String,
    /// The path `/s/<token>`, only when just made.
    pub path: Option<String>,
}

/// An API error.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ApiError {
    /// Stable code.
    pub code: String,
    /// Message.
    pub message: String,
    /// How to fix.
    pub hint: Option<String>,
}

impl ApiError {
    fn local(message: impl Into<String>) -> Self {
        ApiError {
            code: "client".into(),
            message: message.into(),
            hint: None,
        }
    }
}

std::thread_local! {
    /// The share token of the page (a visitor's dashboard), sent as a bearer token.
    static SHARE_TOKEN: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Send `token` with every request from this page (the shared dashboard page).
pub fn use_share_token(token: Option<String>) {
    SHARE_TOKEN.with(|t| *t.borrow_mut() = token);
}

/// GET `path` and decode the JSON answer.
pub async fn get<T: serde::de::DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    request("GET", path, None, None).await
}

/// PUT `body` to `path`.
pub async fn put<T: serde::de::DeserializeOwned>(path: &str, body: &Value) -> Result<T, ApiError> {
    request("PUT", path, Some(body.to_string()), None).await
}

/// DELETE `path` (the answer has no body).
pub async fn delete(path: &str) -> Result<(), ApiError> {
    request::<Value>("DELETE", path, None, None)
        .await
        .map(|_| ())
}

/// POST `body` to `path`; `signal` cancels it.
pub async fn post<T: serde::de::DeserializeOwned>(
    path: &str,
    body: &Value,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<T, ApiError> {
    request("POST", path, Some(body.to_string()), signal).await
}

#[cfg(target_arch = "wasm32")]
async fn request<T: serde::de::DeserializeOwned>(
    method: &str,
    path: &str,
    body: Option<String>,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<T, ApiError> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(|_| ApiError::local("cannot make headers"))?;
    if let Some(body) = &body {
        init.set_body(&wasm_bindgen::JsValue::from_str(body));
        let _ = headers.set("Content-Type", "application/json");
    }
    if let Some(token) = SHARE_TOKEN.with(|t| t.borrow().clone()) {
        let _ = headers.set("Authorization", &format!("Bearer {token}"));
    }
    init.set_headers(&headers);
    init.set_signal(signal);
    let window = web_sys::window().ok_or_else(|| ApiError::local("no window"))?;
    let response = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(|e| {
            if e.dyn_ref::<web_sys::DomException>()
                .is_some_and(|d| d.name() == "AbortError")
            {
                ApiError::local("cancelled")
            } else {
                ApiError::local("the server did not answer; is it running?")
            }
        })?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| ApiError::local("unexpected fetch result"))?;
    let text = JsFuture::from(
        response
            .text()
            .map_err(|_| ApiError::local("cannot read the answer"))?,
    )
    .await
    .map_err(|_| ApiError::local("cannot read the answer"))?
    .as_string()
    .unwrap_or_default();
    if response.status() == 204 {
        serde_json::from_str("null")
            .map_err(|e| ApiError::local(format!("unexpected answer from the server: {e}")))
    } else if response.ok() {
        serde_json::from_str(&text)
            .map_err(|e| ApiError::local(format!("unexpected answer from the server: {e}")))
    } else {
        Err(serde_json::from_str(&text).unwrap_or_else(|_| {
            ApiError::local(format!("the server answered {}", response.status()))
        }))
    }
}

#[cfg(not(target_arch = "wasm32"))]
async fn request<T: serde::de::DeserializeOwned>(
    _method: &str,
    _path: &str,
    _body: Option<String>,
    _signal: Option<&web_sys::AbortSignal>,
) -> Result<T, ApiError> {
    Err(ApiError::local("requests run in the browser"))
}
