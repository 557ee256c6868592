//! Prometheus metrics: gateway attempts by channel and outcome, and the outbox backlog.

use chrono::Duration;
use tests::{TestApp, db_tests};

use crate::support::{check_in_prompt_due, fake_gateways, sender, zns_ok, zns_to_client_a};

db_tests!(metrics_count_sends_and_show_the_backlog);

/// The value of the sample line that starts with `name` (labels included).
fn sample(body: &str, name: &str) -> Option<f64> {
    body.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l[name.len()..].trim().parse().ok())
}

async fn metrics_count_sends_and_show_the_backlog(app: TestApp) {
    let w = app.world().await;
    let prompt = check_in_prompt_due(&app, &w).await;
    let fake = fake_gateways().await;
    zns_to_client_a(&prompt)
        .respond_with(zns_ok("zns-m"))
        .expect(1)
        .mount(&fake)
        .await;
    assert_eq!(sender(&app, &fake).run_once().await.unwrap(), 1);
    // 10:30 in Hà Nội: the nudge of today's window (due 10:00) waits for a worker.
    app.clock.advance(Duration::minutes(150));

    let res = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();

    let sent = body
        .lines()
        .find(|l| {
            l.starts_with("donghanh_messages_total{")
                && l.contains("channel=\"zalo_zns\"")
                && l.contains("outcome=\"accepted\"")
        })
        .unwrap_or_else(|| panic!("no send counted:\n{body}"));
    let count: f64 = sent.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 1.0, "{sent}");
    assert_eq!(sample(&body, "donghanh_outbox_due"), Some(1.0), "{body}");
    assert_eq!(
        sample(&body, "donghanh_outbox_lag_seconds"),
        Some(1800.0),
        "{body}"
    );
    assert!(body.contains("# TYPE donghanh_messages_total counter"));
    assert!(!body.contains("0912"), "no phone number in metrics");
    fake.verify().await;
}
