//! One instalment of a disbursed loan's repayment schedule.

use sea_orm::entity::prelude::*;

/// One instalment of a disbursed loan's repayment schedule.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "loan_instalments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    pub client_id: Uuid,
    pub commune_code: String,
    pub number: i32,
    pub due_on: Date,
    pub principal_vnd: i64,
    pub interest_vnd: i64,
    pub paid_vnd: i64,
    pub paid_on: Option<Date>,
    pub reminded_at: Option<DateTimeUtc>,
    pub overdue_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
