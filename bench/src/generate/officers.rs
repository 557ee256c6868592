//! Each commune's staff: the police chief, the chairman who signs decisions and three case
//! officers; and the bearer tokens benchmarks sign in with.

use chrono::{DateTime, Duration, Utc};
use domain::search::search_key;
use entities::{account, officer};
use sea_orm::{ActiveModelTrait, DatabaseConnection, IntoActiveModel};
use uuid::Uuid;

use super::{GenerateError, new_id, people, places::Place};
use rand::rngs::StdRng;

/// How long the generated tokens stay valid.
const TOKEN_DAYS: i64 = 30;

/// A commune's officers.
pub struct Staff {
    /// All rows.
    pub rows: Vec<officer::Model>,
    /// The chairman (signs supervision decisions).
    pub chairman: String,
    /// Case officers, to whom clients are assigned in turn.
    pub case_officers: Vec<Uuid>,
}

/// The staff of `place`.
pub fn staff(rng: &mut StdRng, place: &Place, now: DateTime<Utc>) -> Staff {
    let mut rows = Vec::new();
    let mut add = |rng: &mut StdRng, role: &str| {
        let p = people::person(rng, 1965, 1998);
        let id = new_id(rng);
        rows.push(officer::Model {
            id,
            province_code: place.province_code.clone(),
            commune_code: Some(place.code.clone()),
            name_search: search_key(&p.full_name),
            full_name: p.full_name.clone(),
            phone: Some(people::phone(rng, 900_000 + rng_serial(&id))),
            zalo_user_id: None,
            role: role.to_owned(),
            active: true,
            created_at: now - Duration::days(400),
            updated_at: now - Duration::days(400),
        });
        (id, p.full_name)
    };
    add(rng, "commune_police_chief");
    let (_, chairman) = add(rng, "commune_chairman");
    let case_officers = (0..3)
        .map(|_| add(rng, "commune_police_officer").0)
        .collect();
    Staff {
        rows,
        chairman,
        case_officers,
    }
}

fn rng_serial(id: &Uuid) -> u64 {
    u64::from(id.as_bytes()[0]) * 256 + u64::from(id.as_bytes()[1])
}

/// A sign-in for `officer_id` and a national administrator, through the product's
/// credential code (so hashes and expiry match what the API checks).
pub async fn tokens(
    db: &DatabaseConnection,
    officer_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(String, String), GenerateError> {
    let ttl = Duration::days(TOKEN_DAYS);
    let app = |e: api::error::AppError| GenerateError::App(e.message());
    let account_id = Uuid::now_v7();
    account::Model {
        id: account_id,
        kind: "officer".to_owned(),
        officer_id: Some(officer_id),
        province_code: None,
        display_name: "bench officer".to_owned(),
        created_at: now,
        disabled_at: None,
    }
    .into_active_model()
    .insert(db)
    .await?;
    let (officer_token, _) = api::auth::credentials::issue_token(db, account_id, now, ttl)
        .await
        .map_err(app)?;
    let (_, admin_token, _) =
        api::auth::credentials::bootstrap_administrator(db, "bench administrator", None, now, ttl)
            .await
            .map_err(app)?;
    Ok((officer_token, admin_token))
}
