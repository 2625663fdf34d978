//! The JSON API as the browser uses it: `fetch` calls that send and read the wire types of
//! `boltic_types` (the shapes `docs/api.md` documents and the server's golden tests pin).
//! Requests only run in the browser; on the server they report that, and the page renders its
//! loading state.

pub use boltic_types::{
    Attributes, AuditEntry, ChartType, DashboardFilter, DashboardHead, DashboardSource,
    DashboardSummary, ErrorBody, ExploreDescription, ExploreSummary, FieldInfo, FieldKind,
    FieldMeta, KeyCreated, KeyInfo, Layout, Me, NewKey, NewShare, NewUser, Permissions, Query,
    Role, ShareCreated, ShareInfo, ShareStatus, UserChange, UserInfo,
};
use serde::Deserialize;
use serde_json::Value;

/// A dashboard as the app holds it: its tiles' queries kept as the JSON the server gave (the
/// app links to them and sends them back as they are, so it carries no decoder of queries).
pub type DashboardResponse = boltic_types::DashboardResponse<Value>;
/// A tile as the app holds it (its query as JSON, as in [`DashboardResponse`]).
pub type Tile = boltic_types::Tile<Value>;

/// A query's result as the browser holds it (rows decoded).
pub type QueryResult = boltic_types::QueryResponse<'static>;

/// An error made in the browser (no answer, cancelled, an answer that does not parse, a form
/// filled wrongly), shown like the server's with code `client`.
pub(crate) fn local_error(message: impl Into<String>) -> ErrorBody {
    ErrorBody {
        code: "client".into(),
        message: message.into(),
        hint: None,
        location: None,
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

fn encode(body: &impl serde::Serialize) -> Result<String, ErrorBody> {
    serde_json::to_string(body).map_err(|e| local_error(format!("cannot encode the request: {e}")))
}

/// GET `path` and decode the JSON answer.
pub async fn get<T: serde::de::DeserializeOwned>(path: &str) -> Result<T, ErrorBody> {
    request("GET", path, None, None).await
}

/// PUT `body` to `path`.
pub async fn put<T: serde::de::DeserializeOwned>(
    path: &str,
    body: &impl serde::Serialize,
) -> Result<T, ErrorBody> {
    request("PUT", path, Some(encode(body)?), None).await
}

/// PATCH `body` to `path`.
pub async fn patch<T: serde::de::DeserializeOwned>(
    path: &str,
    body: &impl serde::Serialize,
) -> Result<T, ErrorBody> {
    request("PATCH", path, Some(encode(body)?), None).await
}

/// DELETE `path` (the answer has no body).
pub async fn delete(path: &str) -> Result<(), ErrorBody> {
    request::<Value>("DELETE", path, None, None)
        .await
        .map(|_| ())
}

/// POST `body` to `path`; `signal` cancels it.
pub async fn post<T: serde::de::DeserializeOwned>(
    path: &str,
    body: &impl serde::Serialize,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<T, ErrorBody> {
    request("POST", path, Some(encode(body)?), signal).await
}

/// POST a query `body` to `path` (`/api/v1/query` or a tile's query) for CSV, through the same
/// endpoint and access rules as the JSON answer, and save it as `filename`. The answer says
/// whether the rows were cut at the server's row cap.
pub async fn download_csv(
    path: &str,
    body: &impl serde::Serialize,
    filename: &str,
) -> Result<bool, ErrorBody> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let (response, text) = exchange(
        "POST",
        &format!("{path}{sep}format=csv"),
        Some(encode(body)?),
        None,
    )
    .await?;
    if !ok(&response) {
        return Err(error_body(&text).unwrap_or_else(|| local_error("the download failed")));
    }
    save(&text, filename)?;
    Ok(header(&response, "boltic-truncated").as_deref() == Some("true"))
}

/// A file name for `title`: letters, digits and dashes, then `.csv`.
pub fn csv_name(title: &str) -> String {
    let name = boltic_types::slug(title, 80);
    format!("{}.csv", if name.is_empty() { "boltic" } else { &name })
}

#[cfg(target_arch = "wasm32")]
fn ok(r: &web_sys::Response) -> bool {
    r.ok()
}

#[cfg(target_arch = "wasm32")]
fn status(r: &web_sys::Response) -> u16 {
    r.status()
}

#[cfg(target_arch = "wasm32")]
fn header(r: &web_sys::Response, name: &str) -> Option<String> {
    r.headers().get(name).ok().flatten()
}

/// Offer `text` to the browser as the file `filename`.
#[cfg(target_arch = "wasm32")]
fn save(text: &str, filename: &str) -> Result<(), ErrorBody> {
    use wasm_bindgen::JsCast;
    let failed = || local_error("the browser would not save the file");
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv");
    let blob =
        web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|_| failed())?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| failed())?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(failed)?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| failed())?
        .dyn_into()
        .map_err(|_| failed())?;
    a.set_href(&url);
    a.set_download(filename);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Send a request; the response and its body as text.
#[cfg(target_arch = "wasm32")]
async fn exchange(
    method: &str,
    path: &str,
    body: Option<String>,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<(web_sys::Response, String), ErrorBody> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(|_| local_error("cannot make headers"))?;
    if let Some(body) = &body {
        init.set_body(&wasm_bindgen::JsValue::from_str(body));
        let _ = headers.set("Content-Type", "application/json");
    }
    if let Some(token) = SHARE_TOKEN.with(|t| t.borrow().clone()) {
        let _ = headers.set("Authorization", &format!("Bearer {token}"));
    }
    init.set_headers(&headers);
    init.set_signal(signal);
    let window = web_sys::window().ok_or_else(|| local_error("no window"))?;
    let response = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(|e| {
            if e.dyn_ref::<web_sys::DomException>()
                .is_some_and(|d| d.name() == "AbortError")
            {
                local_error("cancelled")
            } else {
                local_error("the server did not answer; is it running?")
            }
        })?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| local_error("unexpected fetch result"))?;
    let text = JsFuture::from(
        response
            .text()
            .map_err(|_| local_error("cannot read the answer"))?,
    )
    .await
    .map_err(|_| local_error("cannot read the answer"))?
    .as_string()
    .unwrap_or_default();
    Ok((response, text))
}

/// Send a request and read its JSON answer (`null` for 204), or the error it carries. Not
/// generic, so the browser bundle holds one JSON parser and one request future; only the typed
/// decoding in [`request`] is per answer type.
async fn answer(
    method: &str,
    path: &str,
    body: Option<String>,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<Value, ErrorBody> {
    let (response, text) = exchange(method, path, body, signal).await?;
    if status(&response) == 204 {
        Ok(Value::Null)
    } else if ok(&response) {
        serde_json::from_str(&text)
            .map_err(|e| local_error(format!("unexpected answer from the server: {e}")))
    } else {
        Err(error_body(&text)
            .unwrap_or_else(|| local_error(format!("the server answered {}", status(&response)))))
    }
}

/// The error an answer carries, read with the one JSON parser (into a `Value`, then decoded).
fn error_body(text: &str) -> Option<ErrorBody> {
    let value = serde_json::from_str::<Value>(text).ok()?;
    ErrorBody::deserialize(value).ok()
}

async fn request<T: serde::de::DeserializeOwned>(
    method: &str,
    path: &str,
    body: Option<String>,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<T, ErrorBody> {
    let value = answer(method, path, body, signal).await?;
    T::deserialize(value)
        .map_err(|e| local_error(format!("unexpected answer from the server: {e}")))
}

#[cfg(not(target_arch = "wasm32"))]
async fn exchange(
    _method: &str,
    _path: &str,
    _body: Option<String>,
    _signal: Option<&web_sys::AbortSignal>,
) -> Result<((), String), ErrorBody> {
    Err(local_error("requests run in the browser"))
}

#[cfg(not(target_arch = "wasm32"))]
fn ok(_: &()) -> bool {
    false
}

#[cfg(not(target_arch = "wasm32"))]
fn status(_: &()) -> u16 {
    0
}

#[cfg(not(target_arch = "wasm32"))]
fn header(_: &(), _: &str) -> Option<String> {
    None
}

#[cfg(not(target_arch = "wasm32"))]
fn save(_: &str, _: &str) -> Result<(), ErrorBody> {
    Err(local_error("files are saved in the browser"))
}

/// A result as the API would send it, for the pure modules' unit tests.
#[cfg(test)]
pub(crate) fn test_result(fields: Vec<FieldMeta>, rows: Value) -> QueryResult {
    let rows: Vec<boltic_types::Row> = serde_json::from_value(rows).expect("rows are objects");
    QueryResult {
        fields,
        row_count: rows.len(),
        rows: boltic_types::Encoded::Value(rows),
        totals: None,
        pivot_totals: None,
        truncated: false,
        sql: "".into(),
        timing: boltic_types::Timing {
            compile_ms: 0.0,
            execute_ms: 0.0,
            total_ms: 0.0,
        },
        cache: boltic_types::CacheStatus::Miss,
        warehouse_version: "".into(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_download_is_named_after_its_question() {
        assert_eq!(
            super::csv_name("Revenue by customer group"),
            "revenue-by-customer-group.csv"
        );
        assert_eq!(
            super::csv_name("  Orders / month (EUR) "),
            "orders-month-eur.csv"
        );
        assert_eq!(super::csv_name("…"), "boltic.csv");
    }
}
