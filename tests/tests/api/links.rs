//! One-tap check-in links: short (`/c/` and 16 characters), and the page's GET shows exactly
//! what its POST would do: the button only while the window is open and nothing is recorded.
//! Links issued before short links keep working.

use chrono::Duration;
use serde_json::{Value, json};
use tests::{TestApp, db_tests};

db_tests!(
    a_link_page_shows_the_button_only_when_a_post_would_record,
    links_issued_before_short_links_still_work,
);

const CREATE_PLAN: &str = "mutation($input: CreateCheckInPlanInput!) { createCheckInPlan(input: $input) { plan { id } } }";
const UPCOMING: &str =
    "query($c: ID!) { client(id: $c) { upcomingCheckIns(first: 2) { id dueOn status } } }";
const LINK: &str = "mutation($o: ID!) { checkInLink(occurrenceId: $o) { url expiresAt } }";

/// Monday/Thursday 08:00–12:00 for client A; returns the upcoming occurrences (today's window
/// is open at the test start, Thursday's is ahead).
async fn plan(app: &TestApp, w: &tests::world::World) -> Vec<Value> {
    let input = json!({ "orderId": w.order_a, "rule": { "weekly": { "weekdays": ["MON", "THU"] } }, "opensAt": "08:00", "windowMinutes": 240 });
    app.ok(&w.officer_a_token, CREATE_PLAN, json!({ "input": input }))
        .await;
    let data = app
        .ok(&w.officer_a_token, UPCOMING, json!({ "c": w.client_a }))
        .await;
    data["client"]["upcomingCheckIns"]
        .as_array()
        .unwrap()
        .clone()
}

/// The link of an occurrence, on this app's address.
async fn link(app: &TestApp, w: &tests::world::World, occurrence: &Value) -> String {
    let data = app
        .ok(&w.key_a, LINK, json!({ "o": occurrence["id"] }))
        .await;
    let url = data["checkInLink"]["url"].as_str().unwrap();
    let token = url.rsplit('/').next().unwrap();
    assert_eq!(url, format!("http://127.0.0.1:8080/c/{token}"));
    assert_eq!(token.len(), store::links::SHORT_TOKEN_LEN, "{url}");
    format!("{}/c/{token}", app.address)
}

async fn get(app: &TestApp, url: &str) -> (u16, String) {
    let r = app.http.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn post(app: &TestApp, url: &str) -> (u16, String) {
    let r = app.http.post(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn statuses(app: &TestApp, w: &tests::world::World) -> Vec<Value> {
    let q = "query($c: ID!) { checkInOccurrences(filter: { clientId: $c }, first: 2) { edges { node { dueOn status } } } }";
    let data = app
        .ok(&w.officer_a_token, q, json!({ "c": w.client_a }))
        .await;
    data["checkInOccurrences"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["status"].clone())
        .collect()
}

/// Issue 8.8: after a link was used, and before its window opened, GET still showed the
/// confirm button that the POST then refused.
async fn a_link_page_shows_the_button_only_when_a_post_would_record(app: TestApp) {
    let w = app.world().await;
    let upcoming = plan(&app, &w).await;
    let today = link(&app, &w, &upcoming[0]).await;
    let thursday = link(&app, &w, &upcoming[1]).await;
    assert_eq!(upcoming[1]["dueOn"], "2026-12-03");

    // Thursday's window has not opened: GET says when, with no button; POST records nothing.
    let (status, page) = get(&app, &thursday).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("08:00 thứ Năm, 03/12/2026")
            && !page.contains("<form")
            && !page.contains("<button"),
        "{page}"
    );
    let (status, page) = post(&app, &thursday).await;
    assert!(
        !page.contains("<form") && page.contains("03/12/2026"),
        "{status}: {page}"
    );
    assert_eq!(
        statuses(&app, &w).await,
        [json!("SCHEDULED"), json!("SCHEDULED")]
    );

    // Today's window is open: the button, then the check-in, then "already recorded".
    let (status, page) = get(&app, &today).await;
    assert_eq!(status, 200);
    assert!(page.contains("<form method=\"post\">") && page.contains("Tôi xác nhận"));
    let (status, page) = post(&app, &today).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        statuses(&app, &w).await,
        [json!("CHECKED_IN"), json!("SCHEDULED")]
    );
    let (status, page) = get(&app, &today).await;
    assert_eq!(status, 410);
    assert!(
        page.contains("Đã ghi nhận") && !page.contains("<form"),
        "{page}"
    );
    let (status, again) = post(&app, &today).await;
    assert_eq!((status, again), (410, page), "POST says what GET said");
    assert!(!get(&app, &today).await.1.contains("Nguyễn"), "no name");

    // Thursday after its window closed without a check-in: no button either.
    app.clock
        .set(tests::test_start() + Duration::days(3) + Duration::hours(5));
    let (status, page) = get(&app, &thursday).await;
    assert_eq!(status, 410);
    assert!(
        page.contains("không còn hiệu lực") && !page.contains("<form"),
        "{page}"
    );
    assert_eq!(post(&app, &thursday).await.0, 410);
    // An unknown token of either length looks the same as an expired link.
    for forged in ["AAAAAAAAAAAAAAAA", "not-a-token"] {
        let (status, page) = get(&app, &format!("{}/c/{forged}", app.address)).await;
        assert!(
            status == 410 && page.contains("không còn hiệu lực"),
            "{forged}"
        );
    }
}

/// Prompts sent before short links carry 54-character signed tokens; they keep working.
async fn links_issued_before_short_links_still_work(app: TestApp) {
    let w = app.world().await;
    let upcoming = plan(&app, &w).await;
    let id = api::graphql::ids::decode(
        "CheckInOccurrence",
        "id",
        &upcoming[0]["id"].as_str().unwrap().to_owned().into(),
    )
    .unwrap();
    let closes = tests::test_start() + Duration::hours(4);
    let token = store::links::sign(&app.planning.link_key, id, closes);
    assert_eq!(token.len(), 54);
    let url = format!("{}/c/{token}", app.address);
    assert!(get(&app, &url).await.1.contains("<form"));
    assert_eq!(post(&app, &url).await.0, 200);
    assert_eq!(statuses(&app, &w).await[0], "CHECKED_IN");
    assert!(get(&app, &url).await.1.contains("Đã ghi nhận"));
}
