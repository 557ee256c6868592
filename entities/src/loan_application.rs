//! A loan application of a client under a programme, with its lifecycle status.

use sea_orm::entity::prelude::*;

/// A loan application of a client under a programme, with its lifecycle status.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "loan_applications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    pub commune_code: String,
    pub programme_id: Uuid,
    pub borrower: String,
    pub amount_vnd: i64,
    pub term_months: i32,
    pub purpose: String,
    pub placement_id: Option<Uuid>,
    pub employer_id: Option<Uuid>,
    pub business_plan: Option<String>,
    pub guarantor: Option<String>,
    pub group_name: Option<String>,
    pub status: String,
    pub status_reason: Option<String>,
    pub submitted_on: Option<Date>,
    pub decided_on: Option<Date>,
    pub disbursed_on: Option<Date>,
    pub frequency: Option<String>,
    pub annual_rate_bp: Option<i32>,
    pub overdue_rate_percent: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
