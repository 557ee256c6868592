//! Documents and floods that could stop the API for everyone are refused or cut short with a
//! typed error, and everyone else keeps being served.

use std::time::Duration;

use serde_json::{Value, json};
use tests::{TestApp, db_tests, db_tests_with};

db_tests!(exploding_fragments_are_refused_before_validation);
db_tests_with!(without_cost_check => cpu_bound_validation_is_cut_by_the_timeout);
db_tests_with!(one_slot => a_busy_server_refuses_with_overloaded_then_serves_again);

/// `{ ...F0 }` where each of `levels` fragments spreads the next twice: about 1.5 kB at 30
/// levels, and 2^levels fields once expanded.
fn doubling(levels: usize, on: &str) -> String {
    let mut doc = String::from("{ ...F0 }");
    for i in 0..levels {
        doc.push_str(&format!(
            " fragment F{i} on {on} {{ ...F{n} ...F{n} }}",
            n = i + 1
        ));
    }
    doc.push_str(&format!(" fragment F{levels} on {on} {{ me {{ kind }} }}"));
    doc
}

fn code(body: &Value) -> Option<String> {
    tests::first_error_code(body)
}

async fn exploding_fragments_are_refused_before_validation(app: TestApp) {
    let admin = app.admin_token.clone();
    // Unauthenticated and on an unknown type (nothing would run), then on the real root type,
    // both while an ordinary request is in flight.
    let (on_unknown_type, on_root_type) = (doubling(30, "Query"), doubling(30, "QueryRoot"));
    let (unknown_type, root_type, ordinary) = tokio::join!(
        app.graphql(None, &on_unknown_type, json!({})),
        app.graphql(Some(&admin), &on_root_type, json!({})),
        app.graphql(Some(&admin), "{ me { kind } }", json!({})),
    );
    for body in [&unknown_type, &root_type] {
        assert_eq!(
            code(body).as_deref(),
            Some("GRAPHQL_VALIDATION_FAILED"),
            "{body:#}"
        );
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("2000 fields"),
            "{body:#}"
        );
        assert!(body.get("data").is_none());
        // The refusal concerns the whole document: no line 0, column 0.
        assert!(body["errors"][0].get("locations").is_none(), "{body:#}");
    }
    assert!(ordinary.get("errors").is_none(), "{ordinary:#}");
    // Within the bound, fragments work as before.
    let data = app.ok(&admin, &doubling(8, "QueryRoot"), json!({})).await;
    assert_eq!(data["me"]["kind"], "administrator");
    // Unknown and cyclic fragments are refused without expanding anything.
    for doc in [
        "{ ...Missing }",
        "{ ...A } fragment A on QueryRoot { me { kind } ...B } fragment B on QueryRoot { ...A }",
    ] {
        let body = app.graphql(None, doc, json!({})).await;
        assert_eq!(
            code(&body).as_deref(),
            Some("GRAPHQL_VALIDATION_FAILED"),
            "{doc}: {body:#}"
        );
    }
}

/// The document check off, so that validation itself is the slow part.
fn without_cost_check(settings: &mut api::settings::Settings) {
    settings.limits.max_expanded_fields = usize::MAX;
    settings.limits.execution_timeout = Duration::from_millis(300);
}

async fn cpu_bound_validation_is_cut_by_the_timeout(app: TestApp) {
    // Well over the 300 ms limit in a debug build even on an idle machine (16 levels took
    // under 300 ms there; each level doubles the work), without a single await point.
    let (status, body) = app
        .graphql_status(None, &doubling(19, "Query"), json!({}))
        .await;
    assert_eq!(status, 503, "{body:#}");
    assert_eq!(code(&body).as_deref(), Some("TIMEOUT"), "{body:#}");
    // The validation still running on its own thread starves nobody.
    let data = app.ok(&app.admin_token, "{ me { kind } }", json!({})).await;
    assert_eq!(data["me"]["kind"], "administrator");
}

/// One slot, a short queue, and DataLoaders that take their time.
fn one_slot(settings: &mut api::settings::Settings) {
    settings.limits.max_concurrent = 1;
    settings.limits.queue_wait = Duration::from_millis(100);
    settings.limits.loader_delay = Duration::from_millis(2_000);
}

async fn a_busy_server_refuses_with_overloaded_then_serves_again(app: TestApp) {
    let admin = app.admin_token.clone();
    let slow = "{ commune(code: \"00004\") { province { name } } }";
    let ((slow_status, slow_body), (refused_status, refused_body)) =
        tokio::join!(app.graphql_status(Some(&admin), slow, json!({})), async {
            // The slow request holds the only slot for two seconds.
            tokio::time::sleep(Duration::from_millis(500)).await;
            app.graphql_status(Some(&admin), "{ me { kind } }", json!({}))
                .await
        },);
    assert_eq!(slow_status, 200, "{slow_body:#}");
    assert!(
        slow_body["data"]["commune"]["province"]["name"].is_string(),
        "{slow_body:#}"
    );
    assert_eq!(refused_status, 503);
    assert_eq!(
        code(&refused_body).as_deref(),
        Some("OVERLOADED"),
        "{refused_body:#}"
    );
    let data = app.ok(&admin, "{ me { kind } }", json!({})).await;
    assert_eq!(data["me"]["kind"], "administrator");
}
