//! Who am I: the caller's kind, scope and permissions.

use async_graphql::{Context, Object, Result, SimpleObject};

use super::{env, scalars::Permission};
use crate::auth::Principal;

/// The authenticated caller.
#[derive(SimpleObject)]
pub struct Viewer {
    /// `administrator`, `officer` or `api_key`.
    pub kind: String,
    /// Province of an administrator or officer (none for national administrators and keys).
    pub province_code: Option<String>,
    /// Communes the caller is limited to (none when the scope is a province or everything).
    pub commune_codes: Option<Vec<String>>,
    /// What the caller may do inside its scope.
    pub permissions: Vec<Permission>,
}

/// Viewer query.
#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// The caller.
    async fn me(&self, ctx: &Context<'_>) -> Result<Viewer> {
        let (_, rc) = env(ctx);
        let p = rc.principal()?;
        let permissions = domain::access::Permission::ALL
            .into_iter()
            .filter(|perm| p.can(*perm))
            .map(Into::into)
            .collect();
        let (province_code, commune_codes) = match p.scope() {
            domain::access::Scope::Everything => (None, None),
            domain::access::Scope::Province(code) => (Some(code), None),
            domain::access::Scope::Communes(list) => {
                let province = match p {
                    Principal::Officer { province, .. } => Some(province.clone()),
                    _ => None,
                };
                (province, Some(list))
            }
        };
        Ok(Viewer {
            kind: p.actor_kind().to_owned(),
            province_code,
            commune_codes,
            permissions,
        })
    }
}
