//! A database outage: requests fail cleanly with 503 while PostgreSQL is down
//! and succeed again once it is back, without restarting the server.

use capex_lens_tests::{spawn_app_with, workspace_root, TestDb};
use server::embedded_pg::{Durability, EmbeddedPostgres};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_answer_503_during_a_database_outage_and_recover_afterwards() {
    // Arrange: a cluster of its own, so stopping it touches no other test.
    let dir = workspace_root().join(format!(
        "target/test-outage-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let pg = EmbeddedPostgres::new(&dir, None, Durability::Throwaway).unwrap();
    pg.start().await.unwrap();
    pg.ensure_database("capex_lens").await.unwrap();
    let pool = server::db::connect(pg.connect_options("capex_lens"), 4)
        .await
        .unwrap();
    store::migrate(&pool).await.unwrap();
    server::bundled::load(&pool, &workspace_root().join("data/bundled"))
        .await
        .unwrap();
    let db = TestDb {
        pool: pool.clone(),
        name: "capex_lens".into(),
        options: pg.connect_options("capex_lens"),
    };
    let app = spawn_app_with(db).await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/").await.status(), 200);

    // Act: the database goes away.
    pg.stop_immediately().await.unwrap();
    let health_down = app.get("/healthz").await.status();
    let page_down = app.get("/").await;
    let page_down_status = page_down.status();
    let page_down_body = page_down.text().await.unwrap();

    // ... and comes back.
    pg.start().await.unwrap();
    let mut recovered = false;
    for _ in 0..50 {
        if app.get("/healthz").await.status() == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let page_up = app.get("/").await.status();
    pg.stop().await.unwrap();
    std::fs::remove_dir_all(&dir).ok();

    // Assert
    assert_eq!(health_down, 503);
    assert_eq!(page_down_status, 503);
    assert!(
        page_down_body.contains("database is unavailable"),
        "a clear message"
    );
    assert!(recovered, "the server reconnects by itself");
    assert_eq!(page_up, 200);
}
