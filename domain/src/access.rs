//! Who may do what, and over which communes (DESIGN principle 5).
//!
//! A principal carries a [`Scope`] (which communes' records it may touch at all) and a set of
//! [`Permission`]s (what it may do there). The data layer filters every query by the scope;
//! resolvers check the permission.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// An officer's or supporter's role in the commune's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OfficerRole {
    /// Cán bộ công an xã: the day-to-day operator since 1 March 2025.
    CommunePoliceOfficer,
    /// Trưởng công an xã.
    CommunePoliceChief,
    /// Chủ tịch UBND xã: signs decisions and certificates.
    CommuneChairman,
    /// Đội công tác xã hội tình nguyện.
    SocialWorkVolunteer,
    /// Member of a mass organisation (Women's Union, Veterans, Youth Union, residential group).
    MassOrganisationMember,
    /// A family member assigned as supporter.
    FamilyMember,
    /// Province police, drug-crime division (PC04): aggregate view of the province.
    ProvincePc04Officer,
}

impl OfficerRole {
    /// All roles.
    pub const ALL: [OfficerRole; 7] = [
        Self::CommunePoliceOfficer,
        Self::CommunePoliceChief,
        Self::CommuneChairman,
        Self::SocialWorkVolunteer,
        Self::MassOrganisationMember,
        Self::FamilyMember,
        Self::ProvincePc04Officer,
    ];

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CommunePoliceOfficer => "commune_police_officer",
            Self::CommunePoliceChief => "commune_police_chief",
            Self::CommuneChairman => "commune_chairman",
            Self::SocialWorkVolunteer => "social_work_volunteer",
            Self::MassOrganisationMember => "mass_organisation_member",
            Self::FamilyMember => "family_member",
            Self::ProvincePc04Officer => "province_pc04_officer",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Province-level roles work across the province and belong to no commune.
    pub fn is_province_level(self) -> bool {
        matches!(self, Self::ProvincePc04Officer)
    }

    /// What a signed-in officer of this role may do; supporters get no sign-in in this version.
    pub fn permissions(self) -> BTreeSet<Permission> {
        use Permission::*;
        match self {
            Self::CommunePoliceOfficer | Self::CommunePoliceChief => {
                Permission::ALL.into_iter().collect()
            }
            Self::CommuneChairman => [
                OfficersRead,
                ClientsRead,
                ClientsSensitiveRead,
                OrdersRead,
                OrdersWrite,
                SchedulesRead,
            ]
            .into_iter()
            .collect(),
            Self::ProvincePc04Officer => [OfficersRead, ClientsRead, OrdersRead, SchedulesRead]
                .into_iter()
                .collect(),
            Self::SocialWorkVolunteer | Self::MassOrganisationMember | Self::FamilyMember => {
                BTreeSet::new()
            }
        }
    }

    /// Whether bearer tokens may be issued to this role.
    pub fn may_sign_in(self) -> bool {
        !self.permissions().is_empty()
    }
}

/// One thing a principal may do inside its scope. API key scopes use the `as_str` forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Permission {
    /// Read officers and supporters.
    OfficersRead,
    /// Create and change officers and supporters.
    OfficersWrite,
    /// Read clients (without national ID and phone).
    ClientsRead,
    /// Create and change clients.
    ClientsWrite,
    /// Read national ID, phone and Zalo id (each read is audited).
    ClientsSensitiveRead,
    /// Read supervision orders.
    OrdersRead,
    /// Create orders, change their status, pauses, assignments, transfers.
    OrdersWrite,
    /// Read schedules, appointments and check-ins.
    SchedulesRead,
    /// Create and change schedules and appointments; record check-ins.
    SchedulesWrite,
    /// Read health data such as drug-test results (each read is audited).
    HealthRead,
}

impl Permission {
    /// All permissions.
    pub const ALL: [Permission; 10] = [
        Self::OfficersRead,
        Self::OfficersWrite,
        Self::ClientsRead,
        Self::ClientsWrite,
        Self::ClientsSensitiveRead,
        Self::OrdersRead,
        Self::OrdersWrite,
        Self::SchedulesRead,
        Self::SchedulesWrite,
        Self::HealthRead,
    ];

    /// Stored and API-key form, e.g. `clients:read`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OfficersRead => "officers:read",
            Self::OfficersWrite => "officers:write",
            Self::ClientsRead => "clients:read",
            Self::ClientsWrite => "clients:write",
            Self::ClientsSensitiveRead => "clients:sensitive",
            Self::OrdersRead => "orders:read",
            Self::OrdersWrite => "orders:write",
            Self::SchedulesRead => "schedules:read",
            Self::SchedulesWrite => "schedules:write",
            Self::HealthRead => "health:read",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Which communes' records a principal may see at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The whole deployment (a national administrator).
    Everything,
    /// Every commune of one province.
    Province(String),
    /// An explicit list of communes (an officer's commune, or a partner key's list).
    Communes(Vec<String>),
}

impl Scope {
    /// Whether a record of `commune_code` (in `province_code`) is inside the scope.
    pub fn allows(&self, commune_code: &str, province_code: &str) -> bool {
        match self {
            Scope::Everything => true,
            Scope::Province(p) => p == province_code,
            Scope::Communes(list) => list.iter().any(|c| c == commune_code),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supporters_cannot_sign_in_and_pc04_is_read_only() {
        assert!(!OfficerRole::FamilyMember.may_sign_in());
        let pc04 = OfficerRole::ProvincePc04Officer.permissions();
        assert!(pc04.contains(&Permission::ClientsRead));
        assert!(!pc04.contains(&Permission::ClientsWrite));
        assert!(!pc04.contains(&Permission::ClientsSensitiveRead));
    }

    #[test]
    fn scope_filters_by_commune_or_province() {
        assert!(Scope::Communes(vec!["00001".into()]).allows("00001", "01"));
        assert!(!Scope::Communes(vec!["00001".into()]).allows("00002", "01"));
        assert!(Scope::Province("01".into()).allows("00002", "01"));
        assert!(!Scope::Province("79".into()).allows("00002", "01"));
    }

    #[test]
    fn permission_strings_round_trip() {
        for p in Permission::ALL {
            assert_eq!(Permission::from_stored(p.as_str()), Some(p));
        }
        for r in OfficerRole::ALL {
            assert_eq!(OfficerRole::from_stored(r.as_str()), Some(r));
        }
    }
}
