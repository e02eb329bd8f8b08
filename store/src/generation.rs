//! The store generation: one number that every committed change to the facts
//! or the companies advances (the counter `store_generation`, advanced at
//! commit by the database's own triggers; see the migration adding it).
//! Every cache (a company's facts, rendered pages, link-preview images) keeps
//! what it holds under the generation it was read at.
//!
//! The generation is not read on every request: the same triggers send
//! `NOTIFY capex_store_changed` when a write commits, and a listener task
//! re-reads the counter when it hears one, so a cache hit costs no database
//! round trip, and every server instance hears every write. The window
//! between a commit and the listener's re-read is a few milliseconds.
//! Whenever the listener is not connected (at start, during a database
//! outage), the generation is unknown and each caller reads it from
//! PostgreSQL itself.

use sqlx::postgres::{PgListener, PgPoolOptions};
use sqlx::PgPool;
use std::time::Duration;
use tokio::sync::watch;

/// The channel the store's triggers notify.
pub const STORE_CHANGED: &str = "capex_store_changed";

/// The generation, read from the database.
pub async fn read(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!("SELECT value FROM store_generation")
        .fetch_one(pool)
        .await
}

/// The store generation as one server follows it. Cheap to clone: clones
/// share the listener.
#[derive(Debug, Clone)]
pub struct StoreGeneration {
    pool: PgPool,
    /// As the listener last read it; `None` while unknown.
    heard: watch::Receiver<Option<i64>>,
}

impl StoreGeneration {
    /// Inside a Tokio runtime, starts the listener that follows the
    /// generation (until the pool closes); elsewhere every caller reads it.
    pub fn follow(pool: PgPool) -> Self {
        let (tx, heard) = watch::channel(None);
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(follow(pool.clone(), tx));
        }
        Self { pool, heard }
    }

    /// A generation read from the database at every call (no listener).
    pub fn unfollowed(pool: PgPool) -> Self {
        let (_, heard) = watch::channel(None);
        Self { pool, heard }
    }

    /// The generation as the listener last read it: `None` while the
    /// listener is not connected.
    pub fn heard(&self) -> Option<i64> {
        *self.heard.borrow()
    }

    /// The current generation: as heard, or read from the database.
    pub async fn current(&self) -> Result<i64, sqlx::Error> {
        match self.heard() {
            Some(g) => Ok(g),
            None => read(&self.pool).await,
        }
    }
}

/// Listens for store changes until `pool` closes, publishing the generation
/// after each; `None` whenever the connection is down. Retries every second.
async fn follow(pool: PgPool, tx: watch::Sender<Option<i64>>) {
    // A connection of its own, so the listener never takes one from the pool.
    let listener_pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with((*pool.connect_options()).clone());
    let closed = pool.close_event();
    tokio::pin!(closed);
    loop {
        let result = tokio::select! {
            () = &mut closed => break,
            r = listen(&listener_pool, &pool, &tx) => r,
        };
        tx.send_replace(None);
        if let Err(e) = result {
            tracing::warn!(error = %e, "store change listener disconnected; reading the generation per request until it is back");
        }
        tokio::select! {
            () = &mut closed => break,
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
    listener_pool.close().await;
}

/// One listening session: subscribe, read the generation, re-read it on
/// every notification. Returns when the connection is lost.
async fn listen(
    listener_pool: &PgPool,
    pool: &PgPool,
    tx: &watch::Sender<Option<i64>>,
) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(listener_pool).await?;
    // Reconnecting silently would lose notifications: report it instead.
    listener.eager_reconnect(false);
    listener.listen(STORE_CHANGED).await?;
    // Read after subscribing: no commit from now on goes unheard.
    tx.send_replace(Some(read(pool).await?));
    while listener.try_recv().await?.is_some() {
        tx.send_replace(Some(read(pool).await?));
    }
    Ok(())
}
