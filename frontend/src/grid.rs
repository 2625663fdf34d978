//! The dashboard grid's rules, shared with the server: `boltic_types::grid` (fit, move,
//! resize, push covered tiles down; pure and tested there).

pub use boltic_types::grid::{
    GRID_COLUMNS as COLUMNS, MAX_TILE_HEIGHT as MAX_HEIGHT, fit, moved, place, resized,
};
