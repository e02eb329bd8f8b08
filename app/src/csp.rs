//! The Content-Security-Policy, in one place: pages get one with the
//! request's nonce (made by the server per request and put by Leptos on
//! every inline script it writes: the hydration bootstrap and the page
//! data), every other response the same policy without inline scripts.
//!
//! What it allows: scripts from this site and inline scripts carrying the
//! nonce (so an inline script injected into a page does not run);
//! WebAssembly compilation of our own module (`'wasm-unsafe-eval'`); styles
//! from this site and inline style attributes (the SVG charts use them;
//! styles cannot run code); images from this site and `data:`; connections,
//! forms and everything else to this site only; no plugins, no framing, no
//! `<base>` elsewhere.
//!
//! A page kept in the page cache keeps the nonce of its render together
//! with the header naming it: the nonce is made after the page's content is
//! fixed, so content cannot carry it (a write renders the page afresh, with
//! a new one).

/// The directives every response carries.
const BASE: &str = "default-src 'self'; base-uri 'self'; object-src 'none'; \
frame-ancestors 'none'; form-action 'self'; img-src 'self' data:; \
style-src 'self' 'unsafe-inline'";

/// The policy of a page rendered with `nonce`.
pub fn for_page(nonce: &str) -> String {
    format!("{BASE}; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'")
}

/// The policy of every response that is not a rendered page.
pub fn for_other_responses() -> String {
    format!("{BASE}; script-src 'self'")
}

/// Hands the request's nonce to the render (server only), so the inline
/// scripts Leptos writes carry the very nonce the response's header names.
/// The server makes the nonce per request and sets the header itself
/// (`server::routes::page_policy`): the header never depends on the render
/// reaching the response options in time.
#[cfg(feature = "ssr")]
pub fn provide_request_nonce() {
    use leptos::prelude::{provide_context, use_context};
    if let Some(nonce) = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<leptos::nonce::Nonce>().cloned())
    {
        provide_context(nonce);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_allows_only_its_own_scripts_and_those_with_its_nonce() {
        let policy = for_page("abc123");
        assert!(policy.starts_with("default-src 'self'"), "{policy}");
        assert!(
            policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"),
            "{policy}"
        );
        assert!(
            !policy.contains("'unsafe-eval' ") && !policy.contains("script-src 'unsafe-inline'")
        );
        let other = for_other_responses();
        assert!(
            other.contains("script-src 'self'") && !other.contains("nonce"),
            "{other}"
        );
        assert!(other.contains("frame-ancestors 'none'"), "{other}");
    }
}
