//! A small world of two communes for authorization and workflow tests, built through the API.

use serde_json::{Value, json};

use crate::TestApp;

/// Commune A: Phường Ba Đình (Hà Nội).
pub const COMMUNE_A: &str = "00004";
/// Commune B: Phường Ngọc Hà (Hà Nội).
pub const COMMUNE_B: &str = "00008";

/// What the world contains: ids are opaque GraphQL ids.
#[derive(Debug, Clone)]
pub struct World {
    /// Officer of commune A and their token.
    pub officer_a: String,
    /// Token of officer A.
    pub officer_a_token: String,
    /// Officer of commune B.
    pub officer_b: String,
    /// Partner key limited to commune A, all scopes.
    pub key_a: String,
    /// Partner key limited to commune A, read-only without sensitive fields.
    pub key_a_readonly: String,
    /// Client in A.
    pub client_a: String,
    /// Client in B.
    pub client_b: String,
    /// Active order of client A.
    pub order_a: String,
    /// Active order of client B.
    pub order_b: String,
    /// Assignment of officer B to order B.
    pub assignment_b: String,
}

const CREATE_OFFICER: &str =
    "mutation($input: CreateOfficerInput!) { createOfficer(input: $input) { officer { id } } }";
const ISSUE_TOKEN: &str =
    "mutation($input: IssueOfficerTokenInput!) { issueOfficerToken(input: $input) { token } }";
const CREATE_KEY: &str =
    "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id } } }";
const CREATE_CLIENT: &str =
    "mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } } }";
const CREATE_ORDER: &str = "mutation($input: CreateSupervisionOrderInput!) { createSupervisionOrder(input: $input) { order { id status endDate } } }";
const ASSIGN: &str =
    "mutation($input: AssignToOrderInput!) { assignToOrder(input: $input) { assignment { id } } }";

/// Valid client input for a commune; `n` varies name, CCCD and phone.
pub fn client_input(commune: &str, n: u32) -> Value {
    json!({
        "communeCode": commune,
        "fullName": format!("Nguyễn Văn An {n}"),
        "dateOfBirth": "1990-05-01",
        "sex": "MALE",
        "nationalId": format!("001090{n:06}"),
        "phone": format!("0912 {:03} {:03}", n / 1000 % 1000, n % 1000),
        "address": "Số 1 phố Đội Cấn",
        "smsConsent": { "givenAt": "2026-11-01T02:00:00Z", "method": "IN_PERSON_SIGNED" },
        "zaloConsent": { "givenAt": "2026-11-01T02:00:00Z", "method": "IN_PERSON_SIGNED" },
        "preferredChannel": "ZALO"
    })
}

/// A decided order input for a client.
pub fn order_input(client: &str) -> Value {
    json!({
        "clientId": client,
        "rehabKind": "COMPULSORY",
        "rehabFacility": "Cơ sở cai nghiện số 1",
        "rehabCompletedOn": "2026-10-15",
        "decision": {
            "number": format!("{}/QĐ-UBND", &client[client.len() - 8..]),
            "date": "2026-10-20",
            "signerName": "Trần Văn Bình",
            "signerTitle": "Chủ tịch UBND phường"
        }
    })
}

impl TestApp {
    /// Creates an officer in a commune as the administrator; returns its id.
    pub async fn create_officer(&self, commune: &str, name: &str, role: &str) -> String {
        let input = json!({ "fullName": name, "role": role, "communeCode": commune, "phone": "0987654321" });
        let data = self
            .ok(&self.admin_token, CREATE_OFFICER, json!({ "input": input }))
            .await;
        data["createOfficer"]["officer"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Issues a token to an officer.
    pub async fn officer_token(&self, officer: &str) -> String {
        let data = self
            .ok(
                &self.admin_token,
                ISSUE_TOKEN,
                json!({ "input": { "officerId": officer } }),
            )
            .await;
        data["issueOfficerToken"]["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Creates a partner key; returns its secret.
    pub async fn api_key(&self, scopes: &[&str], communes: &[&str]) -> String {
        let input =
            json!({ "name": "Ứng dụng đối tác", "scopes": scopes, "communeCodes": communes });
        let data = self
            .ok(&self.admin_token, CREATE_KEY, json!({ "input": input }))
            .await;
        data["createApiKey"]["secret"].as_str().unwrap().to_owned()
    }

    /// Creates a client as `secret`; returns its id.
    pub async fn create_client(&self, secret: &str, input: Value) -> String {
        let data = self
            .ok(secret, CREATE_CLIENT, json!({ "input": input }))
            .await;
        data["createClient"]["client"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Creates a decided order as `secret`; returns its id.
    pub async fn create_order(&self, secret: &str, client: &str) -> String {
        let data = self
            .ok(
                secret,
                CREATE_ORDER,
                json!({ "input": order_input(client) }),
            )
            .await;
        data["createSupervisionOrder"]["order"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Builds the two-commune world.
    pub async fn world(&self) -> World {
        let admin = self.admin_token.clone();
        let officer_a = self
            .create_officer(COMMUNE_A, "Lê Văn Cường", "COMMUNE_POLICE_OFFICER")
            .await;
        let officer_b = self
            .create_officer(COMMUNE_B, "Phạm Thị Dung", "COMMUNE_POLICE_OFFICER")
            .await;
        let officer_a_token = self.officer_token(&officer_a).await;
        let all_scopes = [
            "OFFICERS_READ",
            "OFFICERS_WRITE",
            "CLIENTS_READ",
            "CLIENTS_WRITE",
            "CLIENTS_SENSITIVE_READ",
            "ORDERS_READ",
            "ORDERS_WRITE",
            "SCHEDULES_READ",
            "SCHEDULES_WRITE",
            "HEALTH_READ",
        ];
        let key_a = self.api_key(&all_scopes, &[COMMUNE_A]).await;
        let key_a_readonly = self
            .api_key(
                &["CLIENTS_READ", "ORDERS_READ", "OFFICERS_READ"],
                &[COMMUNE_A],
            )
            .await;
        let client_a = self.create_client(&admin, client_input(COMMUNE_A, 1)).await;
        let client_b = self.create_client(&admin, client_input(COMMUNE_B, 2)).await;
        let order_a = self.create_order(&admin, &client_a).await;
        let order_b = self.create_order(&admin, &client_b).await;
        let input = json!({ "orderId": order_a, "officerId": officer_a, "role": "CASE_OFFICER" });
        self.ok(&admin, ASSIGN, json!({ "input": input })).await;
        let input = json!({ "orderId": order_b, "officerId": officer_b, "role": "CASE_OFFICER" });
        let data = self.ok(&admin, ASSIGN, json!({ "input": input })).await;
        let assignment_b = data["assignToOrder"]["assignment"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        World {
            officer_a,
            officer_a_token,
            officer_b,
            key_a,
            key_a_readonly,
            client_a,
            client_b,
            order_a,
            order_b,
            assignment_b,
        }
    }
}
