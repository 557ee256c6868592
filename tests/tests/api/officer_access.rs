//! Roles and the active flag change only by those entitled (issue 8, defect 2): never by the
//! person about themselves, never by a partner key, and every such change is audited with the
//! values before and after. The full rule table is `domain::officer_rights`.

use serde_json::{Value, json};
use tests::{TestApp, db_tests, world::COMMUNE_A};

db_tests!(
    an_officer_cannot_make_themselves_chief,
    officers_and_partner_keys_cannot_deactivate_or_demote_the_chief,
    the_chief_manages_officers_below_them_and_changes_are_audited,
    only_administrators_register_chiefs_and_issue_tokens,
);

const UPDATE: &str =
    "mutation($i: UpdateOfficerInput!) { updateOfficer(input: $i) { officer { id role active } } }";
const CREATE: &str =
    "mutation($i: CreateOfficerInput!) { createOfficer(input: $i) { officer { id role } } }";
const SET_POLICY: &str =
    "mutation($input: SetCommunePolicyInput!) { setCommunePolicy(input: $input) { communeCode } }";
const OFFICER: &str = "query($id: ID!) { officer(id: $id) { role active fullName } }";

async fn update_code(app: &TestApp, secret: &str, input: Value) -> String {
    app.error_code(secret, UPDATE, json!({ "i": input })).await
}

async fn officer_state(app: &TestApp, id: &str) -> Value {
    app.ok(&app.admin_token, OFFICER, json!({ "id": id })).await["officer"].clone()
}

async fn an_officer_cannot_make_themselves_chief(app: TestApp) {
    let w = app.world().await;
    let policy = json!({ "input": { "communeCode": COMMUNE_A, "appointmentGraceMinutes": 30 } });
    assert_eq!(
        app.error_code(&w.officer_a_token, SET_POLICY, policy.clone())
            .await,
        "FORBIDDEN"
    );
    for change in [
        json!({ "id": w.officer_a, "role": "COMMUNE_POLICE_CHIEF" }),
        json!({ "id": w.officer_a, "role": "COMMUNE_CHAIRMAN" }),
        json!({ "id": w.officer_a, "active": false }),
        json!({ "id": w.officer_a, "fullName": "Lê Văn Cường", "role": "COMMUNE_POLICE_CHIEF" }),
    ] {
        assert_eq!(
            update_code(&app, &w.officer_a_token, change.clone()).await,
            "FORBIDDEN",
            "{change}"
        );
    }
    assert_eq!(
        officer_state(&app, &w.officer_a).await,
        json!({ "role": "COMMUNE_POLICE_OFFICER", "active": true, "fullName": "Lê Văn Cường" })
    );
    assert_eq!(
        app.error_code(&w.officer_a_token, SET_POLICY, policy).await,
        "FORBIDDEN",
        "still not the chief"
    );
    // Their own phone is theirs to keep up to date; restating their role changes nothing.
    let data = app
        .ok(
            &w.officer_a_token,
            UPDATE,
            json!({ "i": { "id": w.officer_a, "phone": "0912 000 111", "role": "COMMUNE_POLICE_OFFICER", "active": true } }),
        )
        .await;
    assert_eq!(
        data["updateOfficer"]["officer"]["role"],
        "COMMUNE_POLICE_OFFICER"
    );
}

async fn officers_and_partner_keys_cannot_deactivate_or_demote_the_chief(app: TestApp) {
    let w = app.world().await;
    let chief = app
        .create_officer(COMMUNE_A, "Đỗ Văn Hải", "COMMUNE_POLICE_CHIEF")
        .await;
    let chief_token = app.officer_token(&chief).await;
    let peer = app
        .create_officer(COMMUNE_A, "Vũ Thị Hoa", "COMMUNE_POLICE_OFFICER")
        .await;
    let audit_before = app.count("audit_log").await;
    for (who, secret) in [("officer", &w.officer_a_token), ("key", &w.key_a)] {
        for change in [
            json!({ "id": chief, "active": false }),
            json!({ "id": chief, "role": "COMMUNE_POLICE_OFFICER" }),
            json!({ "id": chief, "zaloUserId": "123456789" }),
            json!({ "id": peer, "active": false }),
        ] {
            assert_eq!(
                update_code(&app, secret, change.clone()).await,
                "FORBIDDEN",
                "{who}: {change}"
            );
        }
    }
    assert_eq!(
        update_code(
            &app,
            &w.key_a,
            json!({ "id": w.officer_a, "role": "SOCIAL_WORK_VOLUNTEER" })
        )
        .await,
        "FORBIDDEN",
        "a partner key never changes roles"
    );
    assert_eq!(
        app.count("audit_log").await,
        audit_before,
        "nothing changed"
    );
    assert_eq!(
        officer_state(&app, &chief).await["active"],
        true,
        "the chief is still active"
    );
    app.ok(
        &chief_token,
        SET_POLICY,
        json!({ "input": { "communeCode": COMMUNE_A, "appointmentGraceMinutes": 30 } }),
    )
    .await;
    // A partner key may still keep an officer's contact details up to date.
    app.ok(
        &w.key_a,
        UPDATE,
        json!({ "i": { "id": peer, "phone": "0912 000 222" } }),
    )
    .await;
}

async fn the_chief_manages_officers_below_them_and_changes_are_audited(app: TestApp) {
    let w = app.world().await;
    let chief = app
        .create_officer(COMMUNE_A, "Đỗ Văn Hải", "COMMUNE_POLICE_CHIEF")
        .await;
    let chief_token = app.officer_token(&chief).await;
    for change in [
        json!({ "id": w.officer_a, "role": "COMMUNE_POLICE_CHIEF" }),
        json!({ "id": chief, "active": false }),
        json!({ "id": chief, "role": "COMMUNE_POLICE_OFFICER" }),
    ] {
        assert_eq!(
            update_code(&app, &chief_token, change.clone()).await,
            "FORBIDDEN",
            "{change}"
        );
    }
    let data = app
        .ok(
            &chief_token,
            UPDATE,
            json!({ "i": { "id": w.officer_a, "active": false, "phone": "0912 000 333" } }),
        )
        .await;
    assert_eq!(data["updateOfficer"]["officer"]["active"], false);
    let (status, _) = app
        .graphql_status(Some(&w.officer_a_token), "{ me { kind } }", json!({}))
        .await;
    assert_eq!(status, 401, "a deactivated officer's token stops working");
    let q = "query($id: ID!) { auditLog(filter: { entityId: $id, action: \"officer.update\" }) { edges { node { actorKind detail } } } }";
    let data = app
        .ok(&app.admin_token, q, json!({ "id": w.officer_a }))
        .await;
    let entries = data["auditLog"]["edges"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    let detail: Value =
        serde_json::from_str(entries[0]["node"]["detail"].as_str().unwrap()).unwrap();
    assert_eq!(
        detail,
        json!({ "active": { "before": true, "after": false }, "fields": ["phone"] }),
        "before and after of the active flag; only the name of the profile field"
    );
    assert_eq!(entries[0]["node"]["actorKind"], "officer");
    // The administrator promotes; the audit shows the role before and after.
    app.ok(
        &app.admin_token,
        UPDATE,
        json!({ "i": { "id": w.officer_a, "role": "COMMUNE_CHAIRMAN", "active": true } }),
    )
    .await;
    let data = app
        .ok(&app.admin_token, q, json!({ "id": w.officer_a }))
        .await;
    let detail: Value = serde_json::from_str(
        data["auditLog"]["edges"][1]["node"]["detail"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        detail,
        json!({
            "role": { "before": "commune_police_officer", "after": "commune_chairman" },
            "active": { "before": false, "after": true },
            "fields": []
        })
    );
}

async fn only_administrators_register_chiefs_and_issue_tokens(app: TestApp) {
    let w = app.world().await;
    let chief = app
        .create_officer(COMMUNE_A, "Đỗ Văn Hải", "COMMUNE_POLICE_CHIEF")
        .await;
    let chief_token = app.officer_token(&chief).await;
    let new = |role: &str| json!({ "i": { "fullName": "Trịnh Văn Khoa", "role": role, "communeCode": COMMUNE_A } });
    for (who, secret, role) in [
        ("officer", &w.officer_a_token, "COMMUNE_POLICE_CHIEF"),
        ("officer", &w.officer_a_token, "COMMUNE_POLICE_OFFICER"),
        ("key", &w.key_a, "COMMUNE_POLICE_CHIEF"),
        ("key", &w.key_a, "COMMUNE_CHAIRMAN"),
        ("chief", &chief_token, "COMMUNE_POLICE_CHIEF"),
    ] {
        assert_eq!(
            app.error_code(secret, CREATE, new(role)).await,
            "FORBIDDEN",
            "{who} registers {role}"
        );
    }
    for (secret, role) in [
        (&w.officer_a_token, "SOCIAL_WORK_VOLUNTEER"),
        (&w.key_a, "COMMUNE_POLICE_OFFICER"),
        (&chief_token, "COMMUNE_POLICE_OFFICER"),
    ] {
        let data = app.ok(secret, CREATE, new(role)).await;
        assert_eq!(data["createOfficer"]["officer"]["role"], role);
    }
    let issue = "mutation($i: IssueOfficerTokenInput!) { issueOfficerToken(input: $i) { token } }";
    for (who, secret, officer) in [
        ("chief", &chief_token, &w.officer_a),
        ("officer", &w.officer_a_token, &chief),
        ("officer for self", &w.officer_a_token, &w.officer_a),
        ("key", &w.key_a, &w.officer_a),
    ] {
        assert_eq!(
            app.error_code(secret, issue, json!({ "i": { "officerId": officer } }))
                .await,
            "FORBIDDEN",
            "{who}"
        );
    }
}
