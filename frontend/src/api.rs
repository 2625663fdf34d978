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

/// GET `path` and decode the JSON answer.
pub async fn get<T: serde::de::DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    request("GET", path, None, None).await
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
    if let Some(body) = &body {
        init.set_body(&wasm_bindgen::JsValue::from_str(body));
        let headers =
            web_sys::Headers::new().map_err(|_| ApiError::local("cannot make headers"))?;
        let _ = headers.set("Content-Type", "application/json");
        init.set_headers(&headers);
    }
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
    if response.ok() {
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
