//! A wrong invitation code sent to the OA by a Zalo account: counted to stop guessing.

use sea_orm::entity::prelude::*;

/// A wrong invitation code sent to the OA by a Zalo account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "zalo_invitation_failures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub zalo_user_id: String,
    pub failed_at: DateTimeUtc,
}

/// No relations: the row stands alone.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
