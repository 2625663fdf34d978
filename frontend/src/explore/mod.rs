//! The explore page: field picker (one tab stop, arrows within), shelves (drag, click or
//! keyboard), filters, time zone, run, results as table / chart / SQL, a page at a time when
//! the row limit cuts the answer. The URL holds the state (the page and the time zone too):
//! Run pushes it, reload / back / forward read it back and run the same query.
//!
//! - `page` — the route and the page's layout;
//! - `session` — the page's signals and running a query;
//! - `shelf` — the shelves and moving fields between them (pure);
//! - `picker`, `shelf_view`, `filter_editor`, `toolbar`, `results` — the page's parts.

mod drill;
mod filter_editor;
mod page;
mod picker;
mod results;
mod session;
mod shelf;
mod shelf_view;
mod toolbar;

pub use page::ExplorePage;
pub(crate) use page::description_path;
