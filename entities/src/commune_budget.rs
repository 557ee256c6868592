//! A commune's monthly messaging budget (issue 13, budget).

use sea_orm::entity::prelude::*;

/// A commune's monthly messaging budget.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "commune_budgets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub commune_code: String,
    /// Whole đồng a month (Hà Nội time).
    pub monthly_budget_vnd: i64,
    /// `YYYY-MM` of the last 80 % alert.
    pub alerted_month: Option<String>,
    pub updated_by: Option<Uuid>,
    pub updated_at: DateTimeUtc,
}

/// No relations: the row stands alone.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
