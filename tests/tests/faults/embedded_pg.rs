//! The embedded PostgreSQL: created on first start, data kept across restarts.

use server::embedded_pg::{Durability, EmbeddedPgError, EmbeddedPostgres};
use sqlx::{ConnectOptions, Connection};

#[tokio::test]
async fn data_survives_a_restart_of_the_embedded_cluster() {
    // Arrange: a cluster of its own, in a fresh directory.
    let dir = capex_lens_tests::workspace_root().join(format!(
        "target/test-embedded-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let pg = EmbeddedPostgres::new(&dir, None, Durability::Durable).unwrap();
    pg.start().await.unwrap();
    pg.ensure_database("capex_lens").await.unwrap();
    let mut conn = pg.connect_options("capex_lens").connect().await.unwrap();
    sqlx::raw_sql("CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    // Act: stop and start again.
    pg.stop().await.unwrap();
    assert!(!pg.is_running().await);
    let again = EmbeddedPostgres::new(&dir, None, Durability::Durable).unwrap();
    again.start().await.unwrap();
    again.ensure_database("capex_lens").await.unwrap();

    // Assert
    let mut conn = again.connect_options("capex_lens").connect().await.unwrap();
    let v: i32 = sqlx::query_scalar("SELECT v FROM kept")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    again.stop().await.unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(v, 7);
}

#[tokio::test]
async fn missing_postgres_binaries_give_an_error_saying_what_to_install() {
    let dir = std::env::temp_dir().join("capex-lens-no-binaries");

    let err = EmbeddedPostgres::new(
        &dir,
        Some(std::path::Path::new("/nonexistent/bin")),
        Durability::Durable,
    )
    .unwrap_err();

    assert!(matches!(err, EmbeddedPgError::BinariesMissing));
    assert!(err.to_string().contains("apt-get install postgresql"));
}
