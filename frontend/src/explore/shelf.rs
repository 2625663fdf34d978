//! The explore's shelves (dimensions, measures, pivots, filters) and how a field is put on,
//! moved along or taken off one. Pure.

use crate::api::FieldInfo;
use crate::state::ExploreState;

/// Which shelf a field sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shelf {
    Dimensions,
    Measures,
    Pivots,
    Filters,
}

impl Shelf {
    pub(super) fn id(self) -> &'static str {
        match self {
            Shelf::Dimensions => "dimensions",
            Shelf::Measures => "measures",
            Shelf::Pivots => "pivots",
            Shelf::Filters => "filters",
        }
    }
    pub(super) fn title(self) -> &'static str {
        match self {
            Shelf::Dimensions => "Dimensions",
            Shelf::Measures => "Measures",
            Shelf::Pivots => "Pivots",
            Shelf::Filters => "Filters",
        }
    }
}

/// Put `field` on `shelf` (at the end) if it fits there and is not already on it.
pub(super) fn add_to(state: &mut ExploreState, shelf: Shelf, field: &FieldInfo) {
    let name = field.name.clone();
    match shelf {
        Shelf::Filters => {
            if !state.filters.iter().any(|(f, _)| *f == name) {
                state.filters.push((name, String::new()));
            }
        }
        Shelf::Measures if !field.is_dimension() => {
            if !state.measures.contains(&name) {
                state.measures.push(name);
            }
        }
        Shelf::Dimensions | Shelf::Pivots if field.is_dimension() => {
            state.dimensions.retain(|f| *f != name);
            state.pivots.retain(|f| *f != name);
            if shelf == Shelf::Dimensions {
                state.dimensions.push(name);
            } else {
                state.pivots.push(name);
            }
        }
        // dropped on the wrong shelf: put it where it belongs
        _ => add_to(
            state,
            if field.is_dimension() {
                Shelf::Dimensions
            } else {
                Shelf::Measures
            },
            field,
        ),
    }
}

pub(super) fn shelf_items(state: &ExploreState, shelf: Shelf) -> Vec<String> {
    match shelf {
        Shelf::Dimensions => state.dimensions.clone(),
        Shelf::Measures => state.measures.clone(),
        Shelf::Pivots => state.pivots.clone(),
        Shelf::Filters => state.filters.iter().map(|(f, _)| f.clone()).collect(),
    }
}

fn shelf_list(state: &mut ExploreState, shelf: Shelf) -> Option<&mut Vec<String>> {
    match shelf {
        Shelf::Dimensions => Some(&mut state.dimensions),
        Shelf::Measures => Some(&mut state.measures),
        Shelf::Pivots => Some(&mut state.pivots),
        Shelf::Filters => None,
    }
}

pub(super) fn remove_from(state: &mut ExploreState, shelf: Shelf, name: &str) {
    match shelf_list(state, shelf) {
        Some(list) => list.retain(|f| f != name),
        None => state.filters.retain(|(f, _)| f != name),
    }
}

pub(super) fn move_in(state: &mut ExploreState, shelf: Shelf, name: &str, by: isize) {
    fn shift<T>(list: &mut [T], i: usize, by: isize) {
        let j = i as isize + by;
        if j >= 0 && (j as usize) < list.len() {
            list.swap(i, j as usize);
        }
    }
    match shelf_list(state, shelf) {
        Some(list) => {
            if let Some(i) = list.iter().position(|f| f == name) {
                shift(list, i, by);
            }
        }
        None => {
            if let Some(i) = state.filters.iter().position(|(f, _)| f == name) {
                shift(&mut state.filters, i, by);
            }
        }
    }
}
