//! Fixtures for tests and benchmarks (feature `fixtures`): rows written straight into the
//! database, without the API, for scenarios that only exercise the worker.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::messaging::templates::{TemplateKey, Vars};
use entities::{client, commune, province};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};
use uuid::Uuid;

/// The commune the fixtures live in (Phường Ba Đình, Hà Nội).
pub const COMMUNE: &str = "00004";

/// Writes province 01, commune [`COMMUNE`] and `clients` active clients who consented to SMS
/// only and prefer it (phones 0912 000 000, 0912 000 001, …); returns their ids.
pub async fn sms_clients(
    db: &impl ConnectionTrait,
    clients: usize,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, DbErr> {
    province::Entity::insert(province::ActiveModel {
        code: Set("01".into()),
        name: Set("Hà Nội".into()),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    commune::Entity::insert(commune::ActiveModel {
        code: Set(COMMUNE.into()),
        province_code: Set("01".into()),
        name: Set("Phường Ba Đình".into()),
        name_search: Set("phuong ba dinh".into()),
        kind: Set("ward".into()),
        is_current: Set(true),
        successor_code: Set(None),
        abolished_on: Set(None),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    let ids: Vec<Uuid> = (0..clients).map(|_| Uuid::now_v7()).collect();
    for (c, chunk) in ids.chunks(200).enumerate() {
        let rows = chunk.iter().enumerate().map(|(i, id)| {
            let n = c * 200 + i;
            client::ActiveModel {
                id: Set(*id),
                commune_code: Set(COMMUNE.into()),
                full_name: Set(format!("Nguyễn Văn An {n}")),
                name_search: Set(format!("nguyen van an {n}")),
                date_of_birth: Set(NaiveDate::from_ymd_opt(1990, 5, 1).unwrap_or_default()),
                sex: Set("male".into()),
                national_id: Set(None),
                phone: Set(Some(format!("84912{:06}", n % 1_000_000))),
                zalo_user_id: Set(None),
                address: Set("Hà Nội".into()),
                sms_consent_at: Set(Some(now)),
                sms_consent_method: Set(Some("in_person_signed".into())),
                zalo_consent_at: Set(None),
                zalo_consent_method: Set(None),
                preferred_channel: Set(Some("sms".into())),
                opted_out_at: Set(None),
                zalo_last_interaction_at: Set(None),
                status: Set("active".into()),
                created_at: Set(now),
                updated_at: Set(now),
            }
        });
        client::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(ids)
}

/// Queues `count` appointment reminders, due a minute before `now`, to `clients` in turn;
/// their dedupe keys are `test:<key_prefix>:<n>`.
pub async fn due_reminders(
    db: &impl ConnectionTrait,
    clients: &[Uuid],
    count: usize,
    key_prefix: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for n in 0..count {
        let vars = Vars::new()
            .with("name", "Nguyễn Văn An")
            .with("time", "14:00 thứ Ba, 01/12/2026")
            .with("place", "UBND phường");
        let message = store::outbox::NewMessage {
            dedupe_key: store::outbox::DedupeKey::test_row(&format!("{key_prefix}:{n}")),
            recipient: store::outbox::Recipient::Client(clients[n % clients.len()]),
            commune_code: COMMUNE.into(),
            template: TemplateKey::AppointmentReminder,
            vars,
            due_at: now - Duration::minutes(1),
            expires_at: None,
            urgent: false,
            source_type: "fixture",
            source_id: None,
        };
        store::outbox::enqueue(db, message, now).await?;
    }
    Ok(())
}

/// The PostgreSQL server tests may use: `TEST_DATABASE_URL`, else `DATABASE_URL`, when it is
/// a `postgres` URL.
pub fn postgres_server_url() -> Option<String> {
    ["TEST_DATABASE_URL", "DATABASE_URL"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|u| u.starts_with("postgres"))
}

/// A fresh database on the test PostgreSQL server, for one test; [`ScratchDatabase::drop`]
/// removes it.
pub struct ScratchDatabase {
    /// URL of the new database.
    pub url: String,
    server: String,
    name: String,
}

impl ScratchDatabase {
    /// Creates `<prefix>_<random>`; `Ok(None)` when no PostgreSQL server is configured. A
    /// configured server that cannot create it is an error, never a silently skipped test.
    pub async fn create(prefix: &str) -> Result<Option<Self>, String> {
        let Some(server) = postgres_server_url() else {
            return Ok(None);
        };
        let name = format!("{prefix}_{}", Uuid::new_v4().simple());
        let admin = store::db::connect(&server, 1)
            .await
            .map_err(|e| format!("PostgreSQL test server: {e}"))?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .map_err(|e| format!("CREATE DATABASE {name}: {e}"))?;
        admin.close().await.ok();
        let (base, query) = server
            .split_once('?')
            .map_or((server.as_str(), None), |(b, q)| (b, Some(q)));
        let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
        let url = match query {
            Some(q) => format!("{base}/{name}?{q}"),
            None => format!("{base}/{name}"),
        };
        Ok(Some(Self { url, server, name }))
    }

    /// Drops the database, closing whatever still uses it.
    pub async fn drop(self) {
        if let Ok(admin) = store::db::connect(&self.server, 1).await {
            let _ = admin
                .execute_unprepared(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .await;
            admin.close().await.ok();
        }
    }
}
