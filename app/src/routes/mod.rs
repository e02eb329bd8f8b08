//! One component per route.

pub mod account;
pub mod admin;
pub mod audit;
pub mod bulk;
pub mod company;
pub mod compare;
pub mod enter;
pub mod history;
pub mod methodology;
pub mod not_found;
pub mod overview;

/// The pages few readers open (sign-in, analyst entry, bulk upload, audit,
/// user administration, a number's history) are lazy routes: the build
/// (`cargo leptos build --split`, which they require) moves their code out
/// of the main WebAssembly module into chunks fetched when one of them is
/// opened, before it hydrates (the server-rendered page is there all along).
/// So the pages investors read (overview, company, compare) load less.
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
                    view! { <$page/> }.into_any()
                }
            }
        };
    }

    lazy_page!(LoginPage, super::account::Account);
    lazy_page!(EnterPage, super::enter::Enter);
    lazy_page!(BulkPage, super::bulk::BulkEntry);
    lazy_page!(AuditPage, super::audit::Audit);
    lazy_page!(AdminPage, super::admin::AdminUsers);
    lazy_page!(HistoryPage, super::history::FactHistory);
}
