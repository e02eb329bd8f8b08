//! One component per route.

pub mod account;
pub mod admin;
pub mod audit;
pub mod bulk;
pub mod cohort;
pub mod company;
pub mod compare;
pub mod coverage;
pub mod enter;
pub mod history;
pub mod methodology;
pub mod not_found;
pub mod overview;
pub mod sync;

/// Whether the page at `path` hydrates. The cohort page does not: it is
/// plain HTML that needs no code in the browser (see [`cohort`]), so opened
/// directly it loads no WebAssembly. Reached by a link inside the app, the
/// router renders it like any lazy route.
pub fn hydrates(path: &str) -> bool {
    path.trim_end_matches('/') != "/cohort"
}

/// Every page but the company scorecard is a lazy route: the build
/// (`cargo leptos build --split`, which they require) moves its code out of
/// the main WebAssembly module into chunks fetched when the page is opened,
/// before it hydrates (the server-rendered page is there all along). The
/// company page is the one shared links and search lead to most, and the one
/// with a first-load budget (400 KB, issue 5), so its code stays in the main
/// module and nothing else does. Each page ends with `MarkHydrated`.
pub mod lazy {
    use leptos::prelude::*;
    use leptos_router::{lazy_route, LazyRoute};

    macro_rules! lazy_page {
        ($name:ident, $page:path) => {
            #[doc = concat!("The lazily loaded `", stringify!($page), "` page.")]
            pub struct $name;

            #[lazy_route]
            impl LazyRoute for $name {
                fn data() -> Self {
                    Self
                }

                fn view(this: Self) -> AnyView {
                    let $name = this;
                    view! { <$page/> <crate::components::MarkHydrated/> }.into_any()
                }
            }
        };
    }

    lazy_page!(OverviewPage, super::overview::Overview);
    lazy_page!(ComparePage, super::compare::Compare);
    lazy_page!(CohortPage, super::cohort::Cohort);
    lazy_page!(ShortLinkPage, super::compare::ShortLink);
    lazy_page!(MethodologyPage, super::methodology::Methodology);
    lazy_page!(CoveragePage, super::coverage::Coverage);
    lazy_page!(LoginPage, super::account::Account);
    lazy_page!(EnterPage, super::enter::Enter);
    lazy_page!(BulkPage, super::bulk::BulkEntry);
    lazy_page!(AuditPage, super::audit::Audit);
    lazy_page!(AdminPage, super::admin::AdminUsers);
    lazy_page!(SyncPage, super::sync::AdminSync);
    lazy_page!(HistoryPage, super::history::FactHistory);
}
