//! Parts of a page whose code is a wasm module of its own, fetched the first time they show:
//! a function marked `#[wasm_split(<module>, fallible)]` (`scripts/build-frontend.sh` cuts the
//! bundle there) is `async` and fetches its module on its first call. Unlike Leptos' `#[lazy]`,
//! whose failed fetch aborts the whole app, a failed fetch is a [`NotLoaded`] shown in the part's
//! place, and the next call fetches again.

use leptos::prelude::*;

/// A part of the page whose module did not arrive (the network failed, or the server was
/// replaced by a newer build meanwhile).
#[derive(Debug, Clone, Copy)]
pub struct NotLoaded;

impl From<wasm_split_helpers::SplitLoaderError> for NotLoaded {
    fn from(_: wasm_split_helpers::SplitLoaderError) -> Self {
        NotLoaded
    }
}

impl NotLoaded {
    /// Says so in the part's place; `what` names the part ("the save panel"), `retry` how to
    /// show it again.
    pub fn view(self, what: &'static str, retry: &'static str) -> AnyView {
        view! {
            <div class="error not-loaded" role="alert">
                <strong>{format!("{what} could not be loaded")}</strong>
                <p class="hint">{format!("The network may be down, or the server was updated: {retry} to try again, or reload the page.")}</p>
            </div>
        }
        .into_any()
    }
}
