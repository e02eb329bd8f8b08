//! Building and running the application: bind, serve, shut down gracefully.

use crate::configuration::Settings;
use crate::routes::router;
use crate::state::AppState;
use axum::serve::ListenerExt;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;
use std::future::Future;
use std::net::SocketAddr;
use tokio::net::TcpListener;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("address {addr} is already in use: stop the other process or set CAPEX_ADDR to another address")]
    AddrInUse { addr: SocketAddr },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
}

/// Leptos options built from our settings (not from Cargo.toml), so the
/// binary runs the same wherever it is started.
pub fn leptos_options(settings: &Settings, addr: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("capex-lens")
        .site_root(settings.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build()
}

/// Binds the listening socket (port 0 picks a free port). Done before the
/// database starts, so a taken port fails fast with nothing to undo.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, StartupError> {
    TcpListener::bind(addr).await.map_err(|source| {
        if source.kind() == std::io::ErrorKind::AddrInUse {
            StartupError::AddrInUse { addr }
        } else {
            StartupError::Bind { addr, source }
        }
    })
}

impl Application {
    /// Builds the router around a bound listener.
    pub fn new(listener: TcpListener, settings: &Settings, pool: PgPool) -> Self {
        let addr = listener.local_addr().unwrap_or(settings.addr);
        let mut state = AppState::new(
            leptos_options(settings, addr),
            pool,
            settings.thresholds.clone(),
        );
        state.auth = crate::auth::AuthConfig::from_settings(settings);
        if let Some(slots) = settings.chart_renders {
            state.renders = crate::chart_png::RenderLimit::new(slots);
        }
        state.page_cache =
            state
                .page_cache
                .clone()
                .with_hosts(crate::page_cache::Hosts::of_server(
                    settings.public_url.as_deref(),
                    addr,
                ));
        state.context = state
            .context
            .clone()
            .with_public_url(settings.public_url.clone())
            .with_short_links_per_hour(settings.short_links_per_hour)
            .with_trusted_proxies(&settings.trusted_proxies);
        Self {
            listener,
            router: router(state),
        }
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Serves until `shutdown` resolves, then stops accepting and lets
    /// in-flight requests finish.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        // Without TCP_NODELAY, small responses stall ~40 ms on Nagle's algorithm.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::warn!(error = %e, "could not set TCP_NODELAY");
            }
        });
        // Connection info gives the login rate limit the client's address.
        let service = self
            .router
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, service)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}
