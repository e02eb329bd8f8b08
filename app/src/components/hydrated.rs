//! The mark browser tests (and anyone curious) read to know a page is live.

use leptos::prelude::*;

/// Sets `data-hydrated="true"` on `<body>` once the page around it has
/// hydrated. Place it last in a route's view: with lazy routes hydration is
/// asynchronous and proceeds in document order, so the mark comes after the
/// route's own code has loaded and taken over the server-rendered page.
/// Effects run only in the browser, so server-rendered HTML never carries it.
#[component]
pub fn MarkHydrated() -> impl IntoView {
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
