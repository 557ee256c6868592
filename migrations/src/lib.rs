//! Schema migrations of Đồng Hành. One schema for SQLite (embedded default) and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_registry;
mod m20261126_000004_zalo_tokens;
mod m20261126_000005_outbox;
mod m20261126_000006_check_ins;
mod m20261126_000007_appointments;
mod m20261126_000008_webhook_events;
mod m20261126_000009_reply_notes;
mod m20261126_000010_zalo_interaction;
mod m20261129_000011_outbox_expiry;
mod m20261201_000012_credential_rotation;
mod m20261201_000016_check_in_links;
mod m20261201_000018_attempt_receipts;
mod m20261201_000019_workers;
mod m20261202_000020_place_codes_varchar;
mod m20261202_000021_outbox_commune_index;
mod m20261202_000030_escalations;
mod m20261202_000040_training_and_jobs;
mod m20261202_000041_loans;
mod m20261202_000042_loan_programme_terms;
mod m20261202_000050_message_channels;
mod m20261202_000051_escalation_indexes;
mod m20261202_000052_channel_prices;
mod m20261202_000053_channel_knowledge;
mod m20261202_000054_zalo_invitations;
mod m20261202_000057_client_reachability;
mod m20261202_000058_commune_budgets;
mod m20261203_000059_outbox_held_index;
mod m20261203_000060_upcoming_indexes;

/// Every migration, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_registry::Migration),
            Box::new(m20261126_000004_zalo_tokens::Migration),
            Box::new(m20261126_000005_outbox::Migration),
            Box::new(m20261126_000006_check_ins::Migration),
            Box::new(m20261126_000007_appointments::Migration),
            Box::new(m20261126_000008_webhook_events::Migration),
            Box::new(m20261126_000009_reply_notes::Migration),
            Box::new(m20261126_000010_zalo_interaction::Migration),
            Box::new(m20261129_000011_outbox_expiry::Migration),
            Box::new(m20261201_000012_credential_rotation::Migration),
            Box::new(m20261201_000016_check_in_links::Migration),
            Box::new(m20261201_000018_attempt_receipts::Migration),
            Box::new(m20261201_000019_workers::Migration),
            Box::new(m20261202_000020_place_codes_varchar::Migration),
            Box::new(m20261202_000021_outbox_commune_index::Migration),
            Box::new(m20261202_000030_escalations::Migration),
            Box::new(m20261202_000040_training_and_jobs::Migration),
            Box::new(m20261202_000041_loans::Migration),
            Box::new(m20261202_000042_loan_programme_terms::Migration),
            Box::new(m20261202_000050_message_channels::Migration),
            Box::new(m20261202_000051_escalation_indexes::Migration),
            Box::new(m20261202_000052_channel_prices::Migration),
            Box::new(m20261202_000053_channel_knowledge::Migration),
            Box::new(m20261202_000054_zalo_invitations::Migration),
            Box::new(m20261202_000057_client_reachability::Migration),
            Box::new(m20261202_000058_commune_budgets::Migration),
            Box::new(m20261203_000059_outbox_held_index::Migration),
            Box::new(m20261203_000060_upcoming_indexes::Migration),
        ]
    }
}
