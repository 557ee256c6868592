//! The `worker` binary refuses to start in production without a provider, rather than print
//! personal data to stdout through the console sink, and reads its settings as the API does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn production_worker_without_a_provider_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_worker"))
        .env_clear()
        .env("APP_ENV", "production")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("w.db").display()),
        )
        .env("RUN_MIGRATIONS", "true")
        .output()
        .expect("worker runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ALLOW_CONSOLE_SINK"), "{stderr}");
}

#[test]
fn a_bad_setting_is_named_at_start_up() {
    let output = Command::new(env!("CARGO_BIN_EXE_worker"))
        .env_clear()
        .env("QUIET_HOURS_START", "9pm")
        .output()
        .expect("worker runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("QUIET_HOURS_START"));
}

#[test]
fn production_without_a_database_url_is_refused_with_the_apis_message() {
    let output = Command::new(env!("CARGO_BIN_EXE_worker"))
        .env_clear()
        .env("APP_ENV", "production")
        .output()
        .expect("worker runs");
    assert_eq!(output.status.code(), Some(2));
    // The same line as the API's (api/tests/cli.rs): one settings reader for both binaries.
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: environment variable DATABASE_URL: required when APP_ENV=production\n"
    );
}
