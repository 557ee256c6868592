//! What the client's phone shows: a name is sent as it is, whatever words it contains (the
//! wording check is on templates and on what officers type, never at send time), and a check-in
//! prompt with its one-tap link on a realistic public address is one SMS segment.

use serde_json::json;
use tests::{Backend, TestApp, db_tests, spawn_app_with, world::COMMUNE_A};
use wiremock::{
    Mock,
    matchers::{body_partial_json, method, path},
};

use crate::support::{
    ESMS_PATH, ZNS_PATH, attempts, bodies, check_in_prompt_due, drain, esms, fake_gateways, pairs,
    reload, reminder_due, sender, zns_error, zns_ok, zns_then_sms,
};

db_tests!(a_client_named_cong_an_receives_reminders_on_zalo_and_sms);

/// A public address as long as a real one (a department's subdomain).
const PUBLIC_URL: &str = "https://donghanh.sotuphap-hanoi.gov.vn";

/// Issue 14.1: "Phan Công An" and "Đặng Công An" received nothing on any channel, because the
/// send path looked for forbidden words in the rendered text, name included.
async fn a_client_named_cong_an_receives_reminders_on_zalo_and_sms(app: TestApp) {
    let w = app.world().await;
    for (n, name, zalo_works) in [(7, "Phan Công An", true), (8, "Đặng Công An", false)] {
        let mut input = tests::world::client_input(COMMUNE_A, n);
        input["fullName"] = json!(name);
        let client = app.create_client(&app.admin_token, input).await;
        app.create_order(&app.admin_token, &client).await;
        let reminder = reminder_due(&app, &w.officer_a_token, &client).await;
        let fake = fake_gateways().await;
        let zns = if zalo_works {
            zns_ok("zns-1")
        } else {
            zns_error(-118)
        };
        // Client n's phone is 0912 000 00n.
        Mock::given(method("POST"))
            .and(path(ZNS_PATH))
            .and(body_partial_json(json!({
                "phone": format!("8491200000{n}"),
                "template_data": { "customer_name": name },
            })))
            .respond_with(zns)
            .expect(1)
            .mount(&fake)
            .await;
        Mock::given(method("POST"))
            .and(path(ESMS_PATH))
            .and(body_partial_json(
                json!({ "Phone": format!("091200000{n}") }),
            ))
            .respond_with(esms("100", "sms-1"))
            .expect(u64::from(!zalo_works))
            .mount(&fake)
            .await;
        drain(&sender(&app, &fake)).await;
        let row = reload(&app, reminder.id).await;
        assert_eq!(row.status, "sent", "{name}: {:?}", row.last_reason);
        if zalo_works {
            assert_eq!(
                attempts(&app, reminder.id).await,
                pairs(&[("zalo_zns", "accepted")])
            );
        } else {
            assert_eq!(
                attempts(&app, reminder.id).await,
                pairs(&[("zalo_zns", "recipient_unreachable"), ("sms", "accepted")])
            );
            let sms = bodies(&fake, ESMS_PATH).await;
            let content = sms[0]["Content"].as_str().unwrap();
            assert!(content.starts_with("Chao Dang Cong An,"), "{content}");
        }
        fake.verify().await;
    }
}

async fn prompt_with_realistic_link_is_one_segment(app: TestApp) {
    let w = app.world().await;
    let prompt = check_in_prompt_due(&app, &w).await;
    let fake = fake_gateways().await;
    // Client A is not on Zalo: the prompt goes by SMS.
    zns_then_sms(
        &fake,
        &prompt,
        (zns_error(-118), 1),
        (esms("100", "sms-1"), 1),
    )
    .await;
    drain(&sender(&app, &fake)).await;
    assert_eq!(reload(&app, prompt.id).await.status, "sent");
    let content = bodies(&fake, ESMS_PATH).await[0]["Content"]
        .as_str()
        .unwrap()
        .to_owned();
    let count = domain::messaging::segments(&content);
    assert_eq!(count.encoding, domain::messaging::Encoding::Gsm7);
    assert_eq!(count.segments, 1, "{} characters: {content}", content.len());
    // The link: the public address, a short path and a 16-character token.
    let start = content.find(PUBLIC_URL).expect("the link is in the SMS");
    let link: String = content[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let token = link
        .strip_prefix(&format!("{PUBLIC_URL}/c/"))
        .unwrap_or_else(|| panic!("{link}"));
    assert_eq!(token.len(), store::links::SHORT_TOKEN_LEN, "{link}");

    // The link works: GET shows the button, POST records, GET then says it is recorded.
    let local = link.replace(PUBLIC_URL, &app.address);
    let page = app.http.get(&local).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<form"));
    assert_eq!(app.http.post(&local).send().await.unwrap().status(), 200);
    let page = app
        .http
        .get(&local)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Đã ghi nhận") && !page.contains("<form"),
        "{page}"
    );
    fake.verify().await;
}

async fn with_realistic_public_url(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |s| s.worker.public_base_url = PUBLIC_URL.into()).await
}

/// Issue 14.7: every prompt cost two SMS segments (an 86-character link); now the default
/// prompt with a short link on a realistic public address is one.
mod a_check_in_prompt_with_its_link_is_one_sms_segment {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = with_realistic_public_url(Backend::Sqlite)
            .await
            .expect("sqlite app");
        prompt_with_realistic_link_is_one_segment(app).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        match with_realistic_public_url(Backend::Postgres).await {
            Some(app) => prompt_with_realistic_link_is_one_segment(app).await,
            None => eprintln!("skipped: set TEST_DATABASE_URL to a PostgreSQL server to run"),
        }
    }
}
