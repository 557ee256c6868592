//! Who is calling: principals, their scope and permissions, and how credentials prove them.

pub mod cache;
pub mod credentials;
pub mod rate_limit;

use std::collections::BTreeSet;

use domain::{
    access::{OfficerRole, Permission, Scope},
    officer_rights,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// An authenticated caller.
#[derive(Debug, Clone)]
pub enum Principal {
    /// An administrator of the deployment (`province: None`) or of one province.
    Administrator {
        /// Account id.
        account_id: Uuid,
        /// Province the administrator manages, if not the whole deployment.
        province: Option<String>,
    },
    /// A signed-in officer; scope is their commune, or their province for province roles.
    Officer {
        /// Account id.
        account_id: Uuid,
        /// The officer record.
        officer_id: Uuid,
        /// The officer's commune (none for province-level roles).
        commune: Option<String>,
        /// The officer's province.
        province: String,
        /// The officer's role.
        role: OfficerRole,
    },
    /// A partner app holding an API key.
    Partner {
        /// Key id.
        key_id: Uuid,
        /// What the key may do.
        permissions: BTreeSet<Permission>,
        /// Communes the key may reach.
        communes: Vec<String>,
    },
}

impl Principal {
    /// Which communes' records the caller may touch at all.
    pub fn scope(&self) -> Scope {
        match self {
            Principal::Administrator { province: None, .. } => Scope::Everything,
            Principal::Administrator {
                province: Some(p), ..
            } => Scope::Province(p.clone()),
            Principal::Officer {
                commune: Some(c), ..
            } => Scope::Communes(vec![c.clone()]),
            Principal::Officer {
                commune: None,
                province,
                ..
            } => Scope::Province(province.clone()),
            Principal::Partner { communes, .. } => Scope::Communes(communes.clone()),
        }
    }

    /// Whether the caller holds a permission inside its scope.
    pub fn can(&self, permission: Permission) -> bool {
        match self {
            Principal::Administrator { .. } => true,
            Principal::Officer { role, .. } => role.permissions().contains(&permission),
            Principal::Partner { permissions, .. } => permissions.contains(&permission),
        }
    }

    /// Fails with FORBIDDEN unless the caller holds `permission`.
    pub fn require(&self, permission: Permission) -> AppResult<()> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "this operation needs the permission {}",
                permission.as_str()
            )))
        }
    }

    /// Fails with FORBIDDEN unless the caller is an administrator (of the whole deployment if `national`).
    pub fn require_admin(&self, national: bool) -> AppResult<()> {
        match self {
            Principal::Administrator { province: None, .. } => Ok(()),
            Principal::Administrator {
                province: Some(_), ..
            } if !national => Ok(()),
            _ if national => Err(AppError::forbidden(
                "only a national administrator may do this",
            )),
            _ => Err(AppError::forbidden("only an administrator may do this")),
        }
    }

    /// Runs `f` with the caller as the officer rules see it ([`domain::officer_rights`]).
    pub fn with_officer_actor<T>(&self, f: impl FnOnce(officer_rights::Actor<'_>) -> T) -> T {
        use officer_rights::Actor;
        match self {
            Principal::Administrator { province: None, .. } => f(Actor::NationalAdministrator),
            Principal::Administrator {
                province: Some(province),
                ..
            } => f(Actor::ProvinceAdministrator { province }),
            Principal::Officer {
                officer_id,
                role,
                commune,
                ..
            } => {
                let id = officer_id.to_string();
                f(Actor::Officer {
                    id: &id,
                    role: *role,
                    commune: commune.as_deref(),
                })
            }
            Principal::Partner { .. } => f(Actor::PartnerKey),
        }
    }

    /// Kind of actor, as written to the audit log.
    pub fn actor_kind(&self) -> &'static str {
        match self {
            Principal::Administrator { .. } => "administrator",
            Principal::Officer { .. } => "officer",
            Principal::Partner { .. } => "api_key",
        }
    }

    /// Id of the actor (account or key), as written to the audit log.
    pub fn actor_id(&self) -> Uuid {
        match self {
            Principal::Administrator { account_id, .. } | Principal::Officer { account_id, .. } => {
                *account_id
            }
            Principal::Partner { key_id, .. } => *key_id,
        }
    }
}
