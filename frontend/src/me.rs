//! Who is using the app: `GET /api/v1/me`, fetched once per page load and shared through the
//! context, so the top bar and the pages show only what the caller's role allows (the server
//! enforces it anyway). A share-link visitor has no account: nothing is fetched for `/s/…`.

use leptos::prelude::*;

use crate::api::{self, ErrorBody, Me, Permissions};

/// The answer of `/api/v1/me`, fetched once per page load (in the context).
#[derive(Clone, Copy)]
struct MeAnswer(LocalResource<Result<Me, ErrorBody>>);

/// The caller as `/api/v1/me` describes it, for one component (`Copy`; from [`use_me`]).
///
/// It says nothing until that component is on the page. The server renders every page without
/// knowing the caller, and a page's code (a lazy route) may arrive after `/me` has answered: a
/// component that read the answer while being hydrated would build other HTML than the server
/// sent, and hydration would fail (a panic that left the admin page on "Loading…").
#[derive(Clone, Copy)]
pub(crate) struct CurrentUser {
    answer: MeAnswer,
    mounted: RwSignal<bool>,
}

impl std::fmt::Debug for CurrentUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CurrentUser")
    }
}

impl CurrentUser {
    /// The answer (tracked): `None` while loading, else the caller or why there is none.
    pub(crate) fn answer(self) -> Option<Result<Me, ErrorBody>> {
        if !self.mounted.get() {
            return None;
        }
        self.answer.0.get()
    }

    /// What the caller may do (tracked); `None` until known, so a control the role may lack
    /// stays hidden until the answer arrives.
    pub(crate) fn permissions(self) -> Option<Permissions> {
        if !self.mounted.get() {
            return None;
        }
        self.answer.0.with(|m| {
            m.as_ref()
                .and_then(|m| m.as_ref().ok().map(|m| m.permissions))
        })
    }

    /// Whether the caller may make and change dashboards (tracked; false until known).
    pub(crate) fn can_edit(self) -> bool {
        self.permissions().is_some_and(|p| p.edit)
    }

    /// Whether the caller may see SQL (tracked; false until known).
    pub(crate) fn can_see_sql(self) -> bool {
        self.permissions().is_some_and(|p| p.see_sql)
    }

    /// Whether the caller is an admin (tracked; false until known).
    pub(crate) fn is_admin(self) -> bool {
        self.permissions().is_some_and(|p| p.admin)
    }
}

/// Where the caller is asked for (preloaded by the page, [`crate::first_fetches`]).
pub(crate) const ME_PATH: &str = "/api/v1/me";

/// Fetch the caller once and share it with every page (called by the app).
pub(crate) fn provide_me() {
    let me = LocalResource::new(|| async {
        let path = web_sys::window()
            .and_then(|w| w.location().pathname().ok())
            .unwrap_or_default();
        if path.starts_with("/s/") {
            return Err(api::local_error("a share link's visitor has no account"));
        }
        api::get::<Me>(ME_PATH).await
    });
    provide_context(MeAnswer(me));
}

/// The caller (from [`provide_me`]), for the component that calls this: known once that
/// component is on the page (an effect runs after it is hydrated or mounted).
pub(crate) fn use_me() -> CurrentUser {
    let mounted = RwSignal::new(false);
    Effect::new(move || mounted.set(true));
    CurrentUser {
        answer: expect_context::<MeAnswer>(),
        mounted,
    }
}
