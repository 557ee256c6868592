//! A worker's held rows by a partial index (issue 9, Monday burst at national scale): the
//! heartbeat's recount of the rows a worker holds walked every row the worker had ever
//! claimed through `ix_outbox_worker` (`worker_id` is kept after sending): 195 ms a count
//! after 150,000 prompts, 9 % of PostgreSQL's time in the burst. Only `sending` rows are read
//! by worker (the recount, a stopping worker's release, taking back a dead worker's rows), so
//! the index holds only those, and rows leaving `sending` no longer add entries to it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("DROP INDEX ix_outbox_worker").await?;
        db.execute_unprepared(
            "CREATE INDEX ix_outbox_held ON outbox_messages (worker_id) \
             WHERE status = 'sending'",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("DROP INDEX ix_outbox_held").await?;
        db.execute_unprepared("CREATE INDEX ix_outbox_worker ON outbox_messages (worker_id)")
            .await?;
        Ok(())
    }
}
