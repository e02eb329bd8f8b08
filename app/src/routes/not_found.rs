use leptos::prelude::*;
use leptos_meta::Title;

/// Any path no route matches: a 404 with a way back.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::ssr::set_status(&crate::error::AppError::NotFound(String::new()));
    view! {
        <Title text="Page not found"/>
        <h1>"Page not found"</h1>
        <p>"There is nothing at this address. " <a href="/">"See all companies"</a> "."</p>
        <crate::components::MarkHydrated/>
    }
}
