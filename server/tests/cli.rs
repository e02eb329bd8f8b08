//! The binary's failure modes: one clear line on stderr, a non-zero exit, no panic.

use std::net::TcpListener;
use std::process::Command;

fn server() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.env_remove("DATABASE_URL")
        .env("CAPEX_BUNDLED_DATA", "/nonexistent");
    cmd
}

fn assert_one_clear_line(output: &std::process::Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(!stderr.contains("panicked"), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: ") && last.contains(needle),
        "{stderr}"
    );
}

#[test]
fn a_taken_port_is_reported_with_what_to_do() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();

    let out = server()
        .args(["--addr", &addr.to_string()])
        .output()
        .unwrap();

    assert_one_clear_line(&out, "already in use");
}

#[test]
fn an_unreachable_database_url_is_reported_with_what_to_do() {
    let out = server()
        .args(["--addr", "127.0.0.1:0"])
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/nothing")
        .output()
        .unwrap();

    assert_one_clear_line(&out, "cannot connect to the database");
}

#[test]
fn missing_postgres_binaries_are_reported_with_what_to_install() {
    let out = server()
        .args(["--addr", "127.0.0.1:0", "--pg-bin-dir", "/nonexistent"])
        .output()
        .unwrap();

    assert_one_clear_line(&out, "apt-get install postgresql");
}

#[test]
fn help_lists_the_environment_variables() {
    let out = server().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);

    for var in [
        "CAPEX_ADDR",
        "DATABASE_URL",
        "CAPEX_DATA_DIR",
        "PG_BIN_DIR",
        "LEPTOS_SITE_ROOT",
        "CAPEX_LOG_FORMAT",
    ] {
        assert!(help.contains(var), "--help mentions {var}");
    }
}

#[test]
fn import_edgar_help_lists_the_sec_settings() {
    let out = server()
        .args(["import", "edgar", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);

    for var in [
        "CAPEX_SEC_USER_AGENT",
        "CAPEX_SEC_DATA_URL",
        "CAPEX_SEC_WWW_URL",
        "CAPEX_SEC_TIMEOUT_SECS",
        "CAPEX_SEC_MAX_ATTEMPTS",
        "https://data.sec.gov",
    ] {
        assert!(
            help.contains(var),
            "import edgar --help mentions {var}:\n{help}"
        );
    }
}

#[test]
fn a_malformed_observations_file_is_reported_with_its_line_and_column_before_any_database() {
    // Arrange: line 17's value broken; no PostgreSQL to be had (the file is checked first).
    let good = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../data/bundled/edgar/xbrl-observations-meta-orcl.csv"),
    )
    .unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    let broken_line = lines[16].replacen(",15887000000,", ",12x,", 1);
    lines[16] = &broken_line;
    let path = std::env::temp_dir().join(format!("observations-{}.csv", std::process::id()));
    std::fs::write(&path, lines.join("\n")).unwrap();

    // Act
    let out = server()
        .args([
            "import",
            "observations",
            "--pg-bin-dir",
            "/nonexistent",
            "--file",
        ])
        .arg(&path)
        .output()
        .unwrap();
    std::fs::remove_file(&path).ok();

    // Assert
    assert_one_clear_line(&out, r#"line 17, column val: "12x" is not a number"#);
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
