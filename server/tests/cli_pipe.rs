//! The command line through a real shell pipe: data on standard output,
//! logs on standard error, so `export csv | import csv -` round-trips.

mod common;

use common::{alphabet_file, fresh_database, server};
use std::process::Stdio;

#[tokio::test]
async fn export_piped_into_import_in_another_store_exports_byte_identically() {
    // Arrange: Alphabet imported into one store, with a name a spreadsheet
    // would run as a formula; a second, empty store.
    let (source, source_url) = fresh_database().await;
    let (_, target_url) = fresh_database().await;
    let imported = server(&source_url)
        .args(["import", "edgar", "--file"])
        .arg(alphabet_file())
        .output()
        .unwrap();
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    {
        use sqlx::{ConnectOptions, Connection};
        let mut conn = source.connect().await.unwrap();
        sqlx::query(
            "UPDATE companies SET name = '=HYPERLINK(\"http://x\")' WHERE ticker = 'GOOGL'",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.ok();
    }
    let bin = env!("CARGO_BIN_EXE_server");

    // Act: a shell pipe, each side with its own database.
    let pipe = std::process::Command::new("bash")
        .arg("-c")
        .arg(r#"set -o pipefail; DATABASE_URL="$SOURCE_URL" "$BIN" export csv | DATABASE_URL="$TARGET_URL" "$BIN" import csv -"#)
        .envs(server(&source_url).get_envs().filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned()))))
        .env("SOURCE_URL", &source_url)
        .env("TARGET_URL", &target_url)
        .env("BIN", bin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let first = server(&source_url)
        .args(["export", "csv"])
        .output()
        .unwrap();
    let second = server(&target_url)
        .args(["export", "csv"])
        .output()
        .unwrap();

    // Assert
    assert!(
        pipe.status.success(),
        "{}",
        String::from_utf8_lossy(&pipe.stderr)
    );
    assert!(first.status.success() && second.status.success());
    assert!(
        first.stdout.starts_with(b"ticker,company_name,"),
        "the CSV comes first on standard output"
    );
    let text = String::from_utf8(first.stdout.clone()).unwrap();
    assert!(
        text.contains("'=HYPERLINK"),
        "the formula-like name is neutralised"
    );
    assert!(
        first.stdout == second.stdout,
        "the re-imported store exports the same bytes"
    );
}
