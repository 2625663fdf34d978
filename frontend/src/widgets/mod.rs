//! Widgets shared by the explore and dashboard pages: the result table, the chart of a result
//! and its chart-type picker, and the in-place error. They depend on the pure modules
//! ([`crate::api`], [`crate::chart`], [`crate::cell_format`], [`crate::pivot`]), never on a
//! page.

mod chart_view;
mod error_box;
mod table;

pub use chart_view::{ChartTypeSelect, ChartView};
pub use error_box::ErrorBox;
pub use table::{DrillCells, TableView};
