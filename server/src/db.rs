//! The database: an external server (`DATABASE_URL`) or the embedded cluster,
//! a connection pool, and migrations applied at start-up.

use crate::configuration::Settings;
use crate::embedded_pg::{Durability, EmbeddedPgError, EmbeddedPostgres};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::str::FromStr;
use std::time::Duration;

/// Name of the database inside the embedded cluster.
pub const EMBEDDED_DATABASE: &str = "capex_lens";

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Embedded(#[from] EmbeddedPgError),
    #[error("DATABASE_URL is not a valid PostgreSQL URL ({0}); expected postgres://user:password@host:5432/database")]
    BadUrl(String),
    #[error("cannot connect to the database at {target} ({detail}); check that it is running and reachable, or unset DATABASE_URL to use the embedded database")]
    Unreachable { target: String, detail: String },
    #[error("applying database migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Where the data lives, and whether this process must stop it on shutdown.
pub enum Database {
    External,
    Embedded {
        pg: EmbeddedPostgres,
        started_here: bool,
    },
}

impl Database {
    /// Connects (starting the embedded cluster if configured), migrates, and
    /// returns the pool.
    pub async fn open(settings: &Settings) -> Result<(Self, PgPool), DbError> {
        let (db, options, target) = match &settings.database_url {
            Some(url) => {
                let options =
                    PgConnectOptions::from_str(url).map_err(|e| DbError::BadUrl(e.to_string()))?;
                let target = format!("{}:{}", options.get_host(), options.get_port());
                (Database::External, options, target)
            }
            None => {
                let pg = EmbeddedPostgres::new(
                    &settings.data_dir,
                    settings.pg_bin_dir.as_deref(),
                    Durability::Durable,
                )?;
                let was_running = pg.is_running().await;
                pg.start().await?;
                pg.ensure_database(EMBEDDED_DATABASE).await?;
                let options = pg.connect_options(EMBEDDED_DATABASE);
                let target = format!("the embedded cluster in {}", pg.data_dir().display());
                (
                    Database::Embedded {
                        pg,
                        started_here: !was_running,
                    },
                    options,
                    target,
                )
            }
        };
        let pool =
            connect(options, settings.db_pool_size)
                .await
                .map_err(|e| DbError::Unreachable {
                    target,
                    detail: e.to_string(),
                })?;
        store::migrate(&pool).await?;
        Ok((db, pool))
    }

    /// Stops the embedded cluster if this process owns it.
    pub async fn close(self, pool: PgPool, always_stop: bool) {
        pool.close().await;
        if let Database::Embedded { pg, started_here } = self {
            if started_here || always_stop {
                if let Err(e) = pg.stop().await {
                    tracing::error!(error = %e, "stopping the embedded PostgreSQL failed");
                }
            }
        }
    }
}

/// Longest a single statement may run. A request gives up after 30 s, but a
/// query it started would run on in PostgreSQL; this bounds it there too
/// (imports are many short statements, well under it).
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// A pool that fails fast when the database is down (so requests answer 503
/// quickly), reconnects by itself when it is back, and runs no statement
/// longer than [`STATEMENT_TIMEOUT`].
pub async fn connect(options: PgConnectOptions, size: u32) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(size.max(1))
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(3))
        .idle_timeout(Duration::from_secs(300))
        .test_before_acquire(true)
        .connect_with(options.application_name("capex-lens").options([(
            "statement_timeout",
            format!("{}ms", STATEMENT_TIMEOUT.as_millis()),
        )]))
        .await
}
