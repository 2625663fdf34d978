//! Dashboards: the list, a dashboard page (query and text tiles on a 12-column grid, dashboard
//! filters with value suggestions that reach every tile whose explore has the field, a time
//! zone, refresh, layout editing by pointer or keyboard without gaps, share links that carry
//! the filters' current values, locked or as a start, copying a project dashboard), the
//! read-only page a share link opens (its locked filters shown and not changeable), and "Save
//! to dashboard" on the explore page. Editing, sharing and making dashboards are offered only to whom the
//! server would allow them (`DashboardResponse::editable`, the caller's permissions).
//!
//! - `list` — `/dashboards`;
//! - `page` — `/dashboards/:name` and `/s/:token`, both showing a `board`;
//! - `board` — one dashboard, made of `toolbar` (head and actions), `share_panel`,
//!   `filter_bar` and `tile_grid` (a `tile` each, with its `tile_tools` in edit mode
//!   and `drag` for the pointer);
//! - `board_state` — the board's signals and what changes them (run, save, filter, move);
//! - `editing` — what edit mode and the share panel add, fetched when first used;
//! - `placement` — tiles' layouts over the rules of [`crate::grid`] (dragged, nudged,
//!   compacted upward);
//! - `copy` — a (project) dashboard copied into an app dashboard of one's own;
//! - `save_tile` — "Save to dashboard" (onto a new dashboard, an app dashboard, or a copy of a
//!   project dashboard).

mod board;
mod board_state;
mod copy;
mod drag;
mod editing;
mod filter_bar;
mod list;
mod page;
mod placement;
mod save_tile;
mod share_panel;
mod tile;
mod tile_grid;
mod tile_tools;
mod toolbar;

pub use list::DashboardList;
pub use page::{DashboardPage, SharedPage};
pub use save_tile::SaveToDashboard;
