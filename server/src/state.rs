//! What every handler can reach: the application state, in one place. Each
//! handler module (`routes`, `chart_routes`, `audit`) takes it from here, so
//! none of them imports another to get it.

use app::ssr::ServerContext;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;

/// What every handler can reach.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    /// What server functions and the chart endpoints share: pool, thresholds, facts cache.
    pub context: ServerContext,
    /// Sessions and the origin check (accounts); defaults until set from settings.
    pub auth: crate::auth::AuthConfig,
    /// Rendered link-preview images, keyed by store generation and chart query.
    pub png_cache: std::sync::Arc<crate::chart_png::PngCache>,
    /// Chart renders running at once (PNG and SVG), bounded.
    pub renders: crate::chart_png::RenderLimit,
    /// Rendered public pages, keyed by address and store generation.
    pub page_cache: crate::page_cache::PageCache,
}

impl AppState {
    pub fn new(
        leptos_options: LeptosOptions,
        pool: PgPool,
        thresholds: domain::analytics::Thresholds,
    ) -> Self {
        // One generation, followed once, for every cache.
        let generation = store::generation::StoreGeneration::follow(pool.clone());
        let context = ServerContext::new(pool.clone(), thresholds, generation.clone());
        let page_cache = crate::page_cache::PageCache::new(generation);
        Self {
            leptos_options,
            pool,
            context,
            auth: crate::auth::AuthConfig::default(),
            png_cache: Default::default(),
            renders: Default::default(),
            page_cache,
        }
    }
}
