//! The dashboard grid's rules, shared with the server: `boltic_types::grid` (fit, move,
//! resize, make room, compact upward; pure and tested there).

pub use boltic_types::grid::{
    GRID_COLUMNS as COLUMNS, MAX_TILE_HEIGHT as MAX_HEIGHT, Placement, compact, fit, moved, nudge,
    place, resized,
};
