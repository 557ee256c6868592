//! Indexes for the escalation sweep at scale (measured at province scale, docs/benchmarks.md):
//! the settled misses it reviews every tick (`status = 'missed'` by `missed_at`), and the open
//! escalations that may climb (`status = 'open'`, not yet reported at the top, by the instant
//! they reached their level), and the recently missed appointments it attaches
//! (`status = 'missed'` by `updated_at`). All partial, so they hold only the rows it reads.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared(
            "CREATE INDEX ix_occurrences_missed ON check_in_occurrences (missed_at) \
             WHERE status = 'missed'",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX ix_escalations_climb ON escalations (level_since) \
             WHERE status = 'open' AND top_reported_at IS NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX ix_appointments_missed ON appointments (updated_at) \
             WHERE status = 'missed'",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("DROP INDEX ix_appointments_missed")
            .await?;
        db.execute_unprepared("DROP INDEX ix_escalations_climb")
            .await?;
        db.execute_unprepared("DROP INDEX ix_occurrences_missed")
            .await?;
        Ok(())
    }
}
