//! Capex Lens user interface: the HTML shell, the router, one component per
//! route, and the server functions the pages call.
//!
//! Compiled natively with feature `ssr` (server-side rendering, server
//! functions with their database code) and to WebAssembly with `hydrate`.

#![recursion_limit = "512"]

pub mod api;
pub mod chart;
pub mod components;
pub mod csp;
pub mod error;
pub mod projection;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    Lazy, ParamSegment, SsrMode, StaticSegment,
};

/// The document around the app, rendered on the server only. A page that
/// runs no code in the browser ([`routes::hydrates`]) gets no hydration
/// scripts: nothing of the WebAssembly is fetched for it.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let hydrates = use_context::<http::request::Parts>()
        .is_none_or(|parts| routes::hydrates(parts.uri.path()));
    #[cfg(not(feature = "ssr"))]
    let hydrates = true;
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                {hydrates.then(|| view! {
                    <AutoReload options=options.clone()/>
                    <HydrationScripts options/>
                })}
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href="/pkg/capex-lens.css"/>
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Title formatter=|text| format!("{text} · Capex Lens")/>
        <Meta name="color-scheme" content="light dark"/>
        <Router>
            <header class="site-header">
                <a class="brand" href="/">"Capex Lens"</a>
                <nav>
                    <a href="/">"Companies"</a>
                    <a href="/compare?tickers=AMZN,GOOGL,MSFT,META,ORCL&metrics=capex">"Compare"</a>
                    <a href="/cohort">"Cohort"</a>
                    <a href="/coverage">"Coverage"</a>
                    <a href="/methodology">"Methodology"</a>
                    <routes::account::AccountNav/>
                </nav>
            </header>
            <main>
                <Routes fallback=routes::not_found::NotFound>
                    <Route path=StaticSegment("") view={Lazy::<routes::lazy::OverviewPage>::new()} ssr=SsrMode::Async/>
                    // Async: the title, preview tags and status code depend on the data,
                    // so the page is sent once its data is ready.
                    <Route
                        path=(StaticSegment("company"), ParamSegment("ticker"))
                        view=|| view! { <routes::company::Company/> <components::MarkHydrated/> }
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("methodology") view={Lazy::<routes::lazy::MethodologyPage>::new()}/>
                    <Route path=StaticSegment("coverage") view={Lazy::<routes::lazy::CoveragePage>::new()} ssr=SsrMode::Async/>
                    // Accounts and analyst entry (issue 6).
                    <Route path=StaticSegment("login") view={Lazy::<routes::lazy::LoginPage>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("enter") view={Lazy::<routes::lazy::EnterPage>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("enter"), StaticSegment("bulk")) view={Lazy::<routes::lazy::BulkPage>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("audit") view={Lazy::<routes::lazy::AuditPage>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("users")) view={Lazy::<routes::lazy::AdminPage>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("sync")) view={Lazy::<routes::lazy::SyncPage>::new()} ssr=SsrMode::Async/>
                    <Route
                        path=(StaticSegment("company"), ParamSegment("ticker"), StaticSegment("history"), ParamSegment("metric"), ParamSegment("period"))
                        view={Lazy::<routes::lazy::HistoryPage>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("compare") view={Lazy::<routes::lazy::ComparePage>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("cohort") view={Lazy::<routes::lazy::CohortPage>::new()} ssr=SsrMode::Async/>
                    <Route
                        path=(StaticSegment("c"), ParamSegment("id"))
                        view={Lazy::<routes::lazy::ShortLinkPage>::new()}
                        ssr=SsrMode::Async
                    />
                </Routes>
            </main>
            <footer class="site-footer">
                "Figures from SEC filings and company statements, each linked to its source. "
                "Missing values are shown as n/a, never as zero."
            </footer>
        </Router>
    }
}

/// Entry point of the WebAssembly bundle.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Panics go to the console, and are marked on the page so browser tests
    // can see them.
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-panic", &info.to_string());
        }
    }));
    // Lazy routes (see `routes::lazy`) load their code before hydrating,
    // so hydration is asynchronous.
    leptos::mount::hydrate_lazy(App);
}
