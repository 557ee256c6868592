//! An invitation to follow the commune's Zalo OA: a code the client sends back ("DK <code>")
//! so that their Zalo id is linked to them, never by a guess.

use sea_orm::entity::prelude::*;

/// An invitation to follow the commune's Zalo OA.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "zalo_invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    pub commune_code: String,
    /// The code to send back, upper case (unique).
    pub code: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// `officer` (an officer asked through the API) or `check_in_page`.
    pub requested_by: String,
    /// When a follower sent the code back and was linked; a code is used once.
    pub used_at: Option<DateTimeUtc>,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
