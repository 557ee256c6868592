//! A change of a loan programme's terms (cap, term, rates) taking effect on a day.

use sea_orm::entity::prelude::*;

/// A change of a loan programme's terms (cap, term, rates) taking effect on a day.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "loan_programme_terms")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub programme_id: Uuid,
    pub effective_from: Date,
    pub max_amount_vnd: i64,
    pub max_term_months: i32,
    pub annual_rate_bp: i32,
    pub overdue_rate_percent: i32,
    pub reason: String,
    pub created_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
