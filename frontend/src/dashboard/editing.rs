//! What edit mode and share links add to a dashboard page, in split modules of their own that
//! the browser fetches the first time someone edits or shares (most visitors only look): the
//! tiles' tools, title and text inputs, adding and removing filters and text tiles, moving
//! tiles by pointer and keyboard, saving (and with it the encoding of a dashboard), and the
//! share panel. Each entry point here is `async`; the Edit and Share buttons wait for their
//! module before they open anything, so once open every call completes at once, in order, as a
//! plain call would (`now`). Nothing here runs on the server (edit mode and the share panel
//! start closed).

use std::collections::BTreeSet;
use std::task::{Context, Poll, Waker};

use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};

use super::board_state::BoardState;
use super::drag::TileDrag;
use super::filter_bar::AddFilter;
use super::placement::LayoutEdit;
use super::share_panel::SharePanel;
use super::tile::{TextEditor, TileTitleInput};
use super::tile_tools::TileTools;
use crate::api::{ErrorBody, Layout};

/// A view from a split module: made at once when its module is there (always, once the Edit
/// or Share button has opened it), else shown when it arrives; nothing if it cannot be fetched.
pub(super) fn later<F>(view: F) -> AnyView
where
    F: Future<Output = Result<AnyView, SplitLoaderError>> + Send + 'static,
{
    let mut view = Box::pin(view);
    match now(view.as_mut()) {
        Some(v) => v.unwrap_or_else(|_| ().into_any()),
        // a boundary of its own: the board's Suspense must not wait for it
        None => view! {
            <Suspense>{Suspend::new(async move { view.await.unwrap_or_else(|_| ().into_any()) })}</Suspense>
        }
        .into_any(),
    }
}

/// Run `action` of a split module: at once when its module is there (as a plain call would, so
/// actions keep their order), else when it arrives; not at all if it cannot be fetched.
pub(super) fn run(action: impl Future<Output = Result<(), SplitLoaderError>> + 'static) {
    let mut action = Box::pin(action);
    if now(action.as_mut()).is_none() {
        leptos::task::spawn_local(async move {
            let _ = action.await;
        });
    }
}

/// `future`'s output if it is ready at the first poll (a split function whose module is loaded
/// is). A future still pending is polled again, with a real waker, by whoever takes it next.
fn now<T>(future: std::pin::Pin<&mut impl Future<Output = T>>) -> Option<T> {
    match future.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}

/// Load edit mode's module, and make every entry point into it ready: each has a loader of its
/// own, and one not yet called would wait a turn (and a view of it show late). An error when
/// the module cannot be fetched (pressing Edit again tries again).
pub(super) async fn editing_ready() -> Result<(), ErrorBody> {
    async {
        load_tile_tools().await?;
        load_title_input().await?;
        load_text_editor().await?;
        load_add_filter().await?;
        load_remove_filter().await?;
        load_nudge().await?;
        load_add_text_tile().await?;
        load_drag_to().await?;
        load_drag_end().await
    }
    .await
    .map_err(|_| not_fetched("edit mode"))
}

/// Load the share panel's module; an error when it cannot be fetched.
pub(super) async fn sharing_ready() -> Result<(), ErrorBody> {
    load_share_panel()
        .await
        .map_err(|_| not_fetched("the share panel"))
}

/// The error shown when the code of `what` could not be fetched.
fn not_fetched(what: &str) -> ErrorBody {
    ErrorBody {
        hint: Some("check the connection and press the button again".into()),
        ..crate::api::local_error(format!("could not fetch the code of {what}"))
    }
}

/// The edit tools of tile `name` (chart type `chart`, none for a text tile).
#[wasm_split(dashboard_editing, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_tile_tools))]
pub(super) fn tile_tools(
    board: BoardState,
    name: String,
    chart: Option<String>,
) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <TileTools board=board name=name chart=chart/> }.into_any())
}

/// The title input of tile `name`.
#[wasm_split(dashboard_editing, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_title_input))]
pub(super) fn title_input(
    board: BoardState,
    name: String,
    title: String,
) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <TileTitleInput board=board name=name title=title/> }.into_any())
}

/// The markdown input of text tile `name`.
#[wasm_split(dashboard_editing, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_text_editor))]
pub(super) fn text_editor(
    board: BoardState,
    name: String,
    text: String,
) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <TextEditor board=board name=name text=text/> }.into_any())
}

/// The picker that adds a dashboard filter on a dimension of `explores`.
#[wasm_split(dashboard_editing, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_add_filter))]
pub(super) fn add_filter(
    board: BoardState,
    explores: Memo<BTreeSet<String>>,
) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <AddFilter board=board explores=explores/> }.into_any())
}

/// Remove the dashboard filter on `field`, save, and run the tiles without it.
#[wasm_split(dashboard_editing, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_remove_filter))]
pub(super) fn remove_filter(board: BoardState, field: String) -> Result<(), SplitLoaderError> {
    board.remove_filter(&field);
    Ok(())
}

/// Move or resize tile `name` by `edit` (the arrow keys), and save.
#[wasm_split(dashboard_editing, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_nudge))]
pub(super) fn nudge(
    board: BoardState,
    name: String,
    edit: LayoutEdit,
) -> Result<(), SplitLoaderError> {
    board.nudge(&name, edit);
    Ok(())
}

/// Add a text tile, and save.
#[wasm_split(dashboard_editing, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_add_text_tile))]
pub(super) fn add_text_tile(board: BoardState) -> Result<(), SplitLoaderError> {
    board.add_text_tile();
    Ok(())
}

/// A pointer drag has taken tile `tile` to `to`: the others make room.
#[wasm_split(dashboard_editing, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_drag_to))]
pub(super) fn drag_to(drag: TileDrag, tile: String, to: Layout) -> Result<(), SplitLoaderError> {
    drag.place(&tile, to);
    Ok(())
}

/// A pointer drag has ended: every tile rises as far as it can, and the layout is saved if
/// anything moved.
#[wasm_split(dashboard_editing, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_drag_end))]
pub(super) fn drag_end(drag: TileDrag) -> Result<(), SplitLoaderError> {
    drag.settle();
    Ok(())
}

/// The share panel of dashboard `name`.
#[wasm_split(dashboard_sharing, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_share_panel))]
pub(super) fn share_panel(name: String, board: BoardState) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <SharePanel name=name board=board/> }.into_any())
}
