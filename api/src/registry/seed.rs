//! Reference data every database needs, and the demo sample of the embedded default.

use chrono::{DateTime, Utc};
use entities::province;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use super::{import, regimes};
use crate::error::AppResult;

/// Adds the built-in legal regimes (Law 73/2021, provisional Law 120/2025) and loan programmes
/// (Decision 08/2026 and the older ones) if missing. Idempotent.
pub async fn ensure_reference_data(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<()> {
    let txn = store::db::begin_write(db).await?;
    regimes::ensure(
        &txn,
        "Luật Phòng, chống ma túy 2021 (73/2021/QH14)",
        &domain::order::law_73_2021(),
        now,
    )
    .await?;
    regimes::ensure(
        &txn,
        "Luật Phòng, chống ma túy 2025 (120/2025/QH15) — tạm tính theo Luật 73/2021, chờ xác nhận",
        &domain::order::law_120_2025_provisional(),
        now,
    )
    .await?;
    crate::support::loan_programmes::ensure_seeded(&txn, now).await?;
    txn.commit().await?;
    Ok(())
}

/// Loads the bundled sample of provinces and communes into a database that has none.
pub async fn load_demo_sample(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<bool> {
    if province::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    let txn = store::db::begin_write(db).await?;
    import::import_communes(&txn, import::DEMO_SAMPLE_CSV, now).await?;
    txn.commit().await?;
    Ok(true)
}
