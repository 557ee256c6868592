//! Fixture rows for tests and benchmarks, written straight into the database without the API,
//! for scenarios that only exercise the worker.

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
                zns_unreachable_until: Set(None),
                zns_unreachable_reason: Set(None),
                oa_refused_at: Set(None),
                oa_refused_reason: Set(None),
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
