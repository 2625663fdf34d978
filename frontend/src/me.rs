//! Who is using the app: `GET /api/v1/me`, fetched once per page load and shared through the
//! context, so the top bar and the pages show only what the caller's role allows (the server
//! enforces it anyway). A share-link visitor has no account: nothing is fetched for `/s/…`.

use leptos::prelude::*;

use crate::api::{self, ErrorBody, Me, Permissions};

/// The caller as `/api/v1/me` describes it (`Copy`; from [`use_me`]).
#[derive(Clone, Copy)]
pub(crate) struct CurrentUser(LocalResource<Result<Me, ErrorBody>>);

impl std::fmt::Debug for CurrentUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CurrentUser")
    }
}

impl CurrentUser {
    /// The answer (tracked): `None` while loading, else the caller or why there is none.
    pub(crate) fn answer(self) -> Option<Result<Me, ErrorBody>> {
        self.0.get()
    }

    /// What the caller may do (tracked); `None` until known, so a control the role may lack
    /// stays hidden until the answer arrives.
    pub(crate) fn permissions(self) -> Option<Permissions> {
        self.0.with(|m| {
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

/// Fetch the caller once and share it with every page (called by the app).
pub(crate) fn provide_me() {
    let me = LocalResource::new(|| async {
        let path = web_sys::window()
            .and_then(|w| w.location().pathname().ok())
            .unwrap_or_default();
        if path.starts_with("/s/") {
            return Err(api::local_error("a share link's visitor has no account"));
        }
        api::get::<Me>("/api/v1/me").await
    });
    provide_context(CurrentUser(me));
}

/// The caller (from [`provide_me`]).
pub(crate) fn use_me() -> CurrentUser {
    expect_context::<CurrentUser>()
}
