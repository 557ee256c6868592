//! Credentials can be withdrawn (issue 8, defect 10): officers' tokens revoked one at a time
//! or all at once, partner keys rotated with an overlap, and failed authentication limited per
//! address and per key prefix.

use std::net::IpAddr;

use serde_json::{Value, json};
use tests::{TestApp, db_tests};

db_tests!(
    a_revoked_token_stops_working_at_once,
    all_of_an_officers_tokens_can_be_revoked,
    a_rotated_key_keeps_its_old_secret_only_during_the_overlap,
    failed_authentication_is_rate_limited_per_address_and_prefix,
    a_revocation_reaches_another_replica_within_the_cache_ttl,
);

const ME: &str = "{ me { kind } }";
const TOKENS: &str = "query($o: ID!) { officerTokens(officerId: $o) { totalCount edges { node { id createdAt expiresAt revokedAt } } } }";
const REVOKE: &str = "mutation($i: RevokeOfficerTokenInput!) { revokeOfficerToken(input: $i) { token { id revokedAt } } }";
const REVOKE_ALL: &str =
    "mutation($i: RevokeOfficerTokensInput!) { revokeOfficerTokens(input: $i) { revokedCount } }";

/// Sends `query` as `secret` from the local address `from`; status, `Retry-After`, body.
async fn request_from(
    app: &TestApp,
    from: [u8; 4],
    secret: &str,
    query: &str,
) -> (u16, Option<String>, Value) {
    let client = reqwest::Client::builder()
        .local_address(IpAddr::from(from))
        .build()
        .unwrap();
    let res = client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(secret)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let retry_after = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, retry_after, res.json().await.unwrap())
}

async fn status(app: &TestApp, secret: &str) -> u16 {
    app.graphql_status(Some(secret), ME, json!({})).await.0
}

fn token_ids(data: &Value) -> Vec<String> {
    data["officerTokens"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_revoked_token_stops_working_at_once(app: TestApp) {
    let w = app.world().await;
    let second = app.officer_token(&w.officer_a).await;
    let data = app
        .ok(&w.officer_a_token, TOKENS, json!({ "o": w.officer_a }))
        .await;
    assert_eq!(data["officerTokens"]["totalCount"], 2);
    let listed = serde_json::to_string(&data).unwrap();
    assert!(
        !listed.contains(&second) && !listed.contains(&w.officer_a_token),
        "secrets are never listed"
    );
    let ids = token_ids(&data);
    // Another officer's tokens are neither listed nor revocable.
    let b_token = app.officer_token(&w.officer_b).await;
    assert_eq!(
        app.error_code(&b_token, TOKENS, json!({ "o": w.officer_a }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(&b_token, REVOKE, json!({ "i": { "tokenId": ids[1] } }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(&w.key_a, REVOKE, json!({ "i": { "tokenId": ids[1] } }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(status(&app, &second).await, 200);
    let data = app
        .ok(
            &w.officer_a_token,
            REVOKE,
            json!({ "i": { "tokenId": ids[1] } }),
        )
        .await;
    assert_eq!(data["revokeOfficerToken"]["token"]["id"], ids[1].as_str());
    let (code, body) = app.graphql_status(Some(&second), ME, json!({})).await;
    assert_eq!(code, 401);
    assert_eq!(
        tests::first_error_code(&body).as_deref(),
        Some("UNAUTHENTICATED")
    );
    assert_eq!(
        status(&app, &w.officer_a_token).await,
        200,
        "the other token still works"
    );
    let data = app
        .ok(&app.admin_token, TOKENS, json!({ "o": w.officer_a }))
        .await;
    let revoked: Vec<_> = data["officerTokens"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| !e["node"]["revokedAt"].is_null())
        .collect();
    assert_eq!(revoked, [false, true]);
    // Administrators revoke any officer's token in their scope.
    app.ok(
        &app.admin_token,
        REVOKE,
        json!({ "i": { "tokenId": ids[0] } }),
    )
    .await;
    assert_eq!(status(&app, &w.officer_a_token).await, 401);
}

async fn all_of_an_officers_tokens_can_be_revoked(app: TestApp) {
    let w = app.world().await;
    let tokens = [
        w.officer_a_token.clone(),
        app.officer_token(&w.officer_a).await,
        app.officer_token(&w.officer_a).await,
    ];
    let b_token = app.officer_token(&w.officer_b).await;
    assert_eq!(
        app.error_code(
            &b_token,
            REVOKE_ALL,
            json!({ "i": { "officerId": w.officer_a } })
        )
        .await,
        "FORBIDDEN",
        "only the officer themselves or an administrator"
    );
    let data = app
        .ok(
            &w.officer_a_token,
            REVOKE_ALL,
            json!({ "i": { "officerId": w.officer_a } }),
        )
        .await;
    assert_eq!(data["revokeOfficerTokens"]["revokedCount"], 3);
    for token in &tokens {
        assert_eq!(status(&app, token).await, 401);
    }
    assert_eq!(status(&app, &b_token).await, 200, "officer B is unaffected");
    let data = app
        .ok(
            &app.admin_token,
            REVOKE_ALL,
            json!({ "i": { "officerId": w.officer_b } }),
        )
        .await;
    assert_eq!(data["revokeOfficerTokens"]["revokedCount"], 1);
    assert_eq!(status(&app, &b_token).await, 401);
    let q = "query($id: ID!) { auditLog(filter: { entityId: $id, action: \"officer.revoke_tokens\" }) { totalCount } }";
    let data = app
        .ok(&app.admin_token, q, json!({ "id": w.officer_a }))
        .await;
    assert_eq!(data["auditLog"]["totalCount"], 1);
}

async fn a_rotated_key_keeps_its_old_secret_only_during_the_overlap(app: TestApp) {
    let create = "mutation { createApiKey(input: { name: \"Đối tác\", scopes: [CLIENTS_READ], communeCodes: [\"00004\"] }) { secret apiKey { id } } }";
    let data = app.ok(&app.admin_token, create, json!({})).await;
    let old = data["createApiKey"]["secret"].as_str().unwrap().to_owned();
    let id = data["createApiKey"]["apiKey"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let rotate = "mutation($i: RotateApiKeyInput!) { rotateApiKey(input: $i) { secret apiKey { id scopes communeCodes rotatedAt previousSecretExpiresAt } } }";
    let body = app
        .graphql(
            Some(&app.admin_token),
            rotate,
            json!({ "i": { "keyId": id, "overlapHours": 169 } }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "overlapHours");
    let data = app
        .ok(
            &app.admin_token,
            rotate,
            json!({ "i": { "keyId": id, "overlapHours": 24 } }),
        )
        .await;
    let new = data["rotateApiKey"]["secret"].as_str().unwrap().to_owned();
    let key = &data["rotateApiKey"]["apiKey"];
    assert_ne!(new, old);
    assert_eq!(key["id"], id.as_str(), "same key identity");
    assert_eq!(key["scopes"], json!(["CLIENTS_READ"]));
    assert_eq!(key["communeCodes"], json!(["00004"]));
    let until: chrono::DateTime<chrono::Utc> = key["previousSecretExpiresAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(until, app.clock_now() + chrono::Duration::hours(24));
    assert_eq!(
        status(&app, &old).await,
        200,
        "old secret during the overlap"
    );
    assert_eq!(status(&app, &new).await, 200);
    app.clock.advance(chrono::Duration::hours(24));
    assert_eq!(
        status(&app, &old).await,
        401,
        "old secret after the overlap"
    );
    assert_eq!(status(&app, &new).await, 200);
    // A province administrator elsewhere cannot rotate it; unknown and out of scope alike.
    let (_, hcm, _) = api::auth::credentials::bootstrap_administrator(
        &app.db,
        "HCMC admin",
        Some("79".into()),
        app.clock_now(),
        chrono::Duration::days(1),
    )
    .await
    .map_err(|e| e.message())
    .unwrap();
    assert_eq!(
        app.error_code(
            &hcm,
            rotate,
            json!({ "i": { "keyId": id, "overlapHours": 0 } })
        )
        .await,
        "NOT_FOUND"
    );
    // Without overlap the replaced secret stops at once.
    let data = app
        .ok(
            &app.admin_token,
            rotate,
            json!({ "i": { "keyId": id, "overlapHours": 0 } }),
        )
        .await;
    assert_eq!(status(&app, &new).await, 401);
    let newest = data["rotateApiKey"]["secret"].as_str().unwrap();
    assert_eq!(status(&app, newest).await, 200);
}

async fn failed_authentication_is_rate_limited_per_address_and_prefix(app: TestApp) {
    let w = app.world().await;
    let home = [127, 0, 0, 1];
    // The default burst is 10 failures, forgiven at 10 a minute.
    for n in 0..10 {
        let (code, _, _) = request_from(&app, home, &format!("dhk_guess{n:03}xyz"), ME).await;
        assert_eq!(code, 401, "failure {n}");
    }
    let (code, retry_after, body) = request_from(&app, home, "dhk_guess999xyz", ME).await;
    assert_eq!(code, 429);
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    assert_eq!(retry_after.as_deref(), Some("6"));
    let (code, _, _) = request_from(&app, home, &w.key_a, ME).await;
    assert_eq!(
        code, 429,
        "the limited address is refused before any lookup"
    );
    let (code, _, body) = request_from(&app, [127, 0, 0, 2], &w.key_a, ME).await;
    assert_eq!(
        code, 200,
        "a good credential from another address works: {body}"
    );
    // Successes do not count: many from the second address change nothing.
    for _ in 0..12 {
        let (code, _, _) = request_from(&app, [127, 0, 0, 2], &w.officer_a_token, ME).await;
        assert_eq!(code, 200);
    }
    // One prefix guessed from many addresses is limited too.
    for n in 0..10u8 {
        let (code, _, _) =
            request_from(&app, [127, 0, 1, n], &format!("dhk_SAMEPREFIX-{n}"), ME).await;
        assert_eq!(code, 401);
    }
    let (code, _, _) = request_from(&app, [127, 0, 2, 1], "dhk_SAMEPREFIX-last", ME).await;
    assert_eq!(code, 429, "the prefix is limited from a fresh address");
    app.clock.advance(chrono::Duration::seconds(6));
    let (code, _, _) = request_from(&app, home, &w.key_a, ME).await;
    assert_eq!(code, 200, "the bucket refills with time");
}

/// Two API processes on one database: each caches sign-ins for `AUTH_CACHE_TTL_SECONDS` (5 s
/// in tests). A token revoked through one stops at once there, and on the other as soon as
/// its cached entry lapses (the other process's cache is not told).
async fn a_revocation_reaches_another_replica_within_the_cache_ttl(app: TestApp) {
    use std::sync::Arc;

    let w = app.world().await;
    let token = app.officer_token(&w.officer_a).await;
    let mut settings = api::settings::Settings::for_tests(app.database_url());
    settings.process.run_migrations = false;
    let replica = api::startup::Application::build(settings, Arc::new(app.clock.clone()))
        .await
        .unwrap();
    let replica_address = format!("http://127.0.0.1:{}", replica.port());
    let stop = tokio_util::sync::CancellationToken::new();
    tokio::spawn(replica.run_until_stopped(stop.clone()));
    let on_replica = |secret: String| {
        let url = format!("{replica_address}/graphql");
        let http = app.http.clone();
        async move {
            http.post(url)
                .bearer_auth(secret)
                .json(&json!({ "query": ME }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // Signed in on both: the replica caches the token now.
    assert_eq!(on_replica(token.clone()).await, 200);
    assert_eq!(status(&app, &token).await, 200);
    let cached = app
        .statements_for(&token, "{ __typename }", json!({}))
        .await;
    assert_eq!(cached, 0, "a cached sign-in costs no statement");

    let data = app
        .ok(&app.admin_token, TOKENS, json!({ "o": w.officer_a }))
        .await;
    let id = token_ids(&data)
        .into_iter()
        .last()
        .expect("the officer's token is listed");
    app.ok(&app.admin_token, REVOKE, json!({ "i": { "tokenId": id } }))
        .await;
    assert_eq!(
        status(&app, &token).await,
        401,
        "at once where it was revoked"
    );

    // Within the TTL the replica may still answer from its cache; past it, never.
    app.clock.advance(chrono::Duration::seconds(6));
    assert_eq!(
        on_replica(token.clone()).await,
        401,
        "the replica within the TTL"
    );
    stop.cancel();
}
