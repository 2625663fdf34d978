//! Boltic's web app.
//!
//! This crate is a placeholder: the Leptos explore and dashboard UI (SSR + hydrate) is planned
//! work and nothing here is served yet. It sits in the workspace so the layout matches the
//! architecture described in `ARCHITECTURE.md`.
