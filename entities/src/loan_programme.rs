//! A loan programme kept as data: lender, cap, rate, term and eligibility rules.

use sea_orm::entity::prelude::*;

/// A loan programme kept as data: lender, cap, rate, term and eligibility rules.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "loan_programmes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub lender: String,
    pub borrower: String,
    pub max_amount_vnd: i64,
    pub max_term_months: i32,
    pub annual_rate_bp: i32,
    pub overdue_rate_percent: i32,
    pub interest_method: String,
    pub requires_certified_list: bool,
    pub max_years_since_decision: Option<i32>,
    pub min_age: Option<i32>,
    pub min_rehab_workforce_percent: Option<i32>,
    pub effective_from: Date,
    pub effective_to: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
