//! Who may register officers and change their role, active flag and profile (issue 8, defect 2).
//!
//! The scope (which communes a caller reaches at all) and the `officers:write` permission are
//! checked by the service before these rules run; these rules decide, inside that scope, what a
//! caller may do to one person. They close the escalation where an officer made themselves
//! commune police chief, or deactivated the chief.
//!
//! | who | profile (name, phone, Zalo) | role and active flag | roles they may create or grant |
//! | --- | --- | --- | --- |
//! | national administrator | anyone | anyone | any |
//! | province administrator | anyone in the province | anyone in the province | any |
//! | commune police chief | self; people below the chief in the commune | people below the chief in the commune, never self | below the chief |
//! | commune police officer | self; supporters of the commune | supporters of the commune, never self | supporter roles |
//! | partner key (`officers:write`) | people below the chief | never | officer and supporter roles |
//!
//! "Below" follows [`OfficerRole::rank`]: supporters, then officers, then the chief and the
//! commune chairman (peers: neither manages the other), then province-level roles.

use crate::access::OfficerRole;

/// Who asks for the change, as far as these rules need to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor<'a> {
    /// Administrator of the whole deployment.
    NationalAdministrator,
    /// Administrator of one province.
    ProvinceAdministrator {
        /// Province code.
        province: &'a str,
    },
    /// A signed-in officer.
    Officer {
        /// The officer's own record id (the stored UUID as text, or any stable id).
        id: &'a str,
        /// Their role.
        role: OfficerRole,
        /// Their commune (none for province-level roles).
        commune: Option<&'a str>,
    },
    /// A partner app's API key (already known to hold `officers:write` in the commune).
    PartnerKey,
}

/// The person being changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target<'a> {
    /// Record id, compared with [`Actor::Officer::id`].
    pub id: &'a str,
    /// Current role.
    pub role: OfficerRole,
    /// Commune (none for province-level roles).
    pub commune: Option<&'a str>,
    /// Province.
    pub province: &'a str,
}

/// What a change touches beyond the profile (name, phone, Zalo id), which any change may touch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Change {
    /// The new role, when the role changes.
    pub role: Option<OfficerRole>,
    /// Whether the active flag changes.
    pub active: bool,
}

/// Why a change or registration is refused (shown to the caller, mapped to FORBIDDEN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Role and active flag never change by the person about themselves.
    #[error("nobody may change their own role or active flag; ask an administrator")]
    OwnAccess,
    /// Partner keys never change role or active flag.
    #[error("a partner key may not change roles or the active flag")]
    PartnerAccess,
    /// The target ranks equal to or above the caller.
    #[error("you may change only people whose role ranks below yours in your commune")]
    TargetNotBelow,
    /// The role asked for ranks equal to or above the caller.
    #[error("you may grant or register only roles that rank below yours")]
    RoleNotBelow,
    /// Outside the caller's commune or province.
    #[error("this person is outside your commune or province")]
    OtherPlace,
}

impl OfficerRole {
    /// Rank in the commune's work: who manages whom. The commune police chief and the commune
    /// chairman are peers; province-level roles rank above every commune role.
    pub fn rank(self) -> u8 {
        match self {
            Self::SocialWorkVolunteer | Self::MassOrganisationMember | Self::FamilyMember => 0,
            Self::CommunePoliceOfficer => 1,
            Self::CommunePoliceChief | Self::CommuneChairman => 2,
            Self::ProvincePc04Officer => 3,
        }
    }
}

/// A partner key acts with the rank just below the chief: it manages officers and supporters.
const PARTNER_RANK: u8 = 2;

/// Whether `actor` may make `change` to `target`.
pub fn check_change(actor: Actor<'_>, target: Target<'_>, change: Change) -> Result<(), Refusal> {
    let access = change.role.is_some() || change.active;
    match actor {
        Actor::NationalAdministrator => Ok(()),
        Actor::ProvinceAdministrator { province } => {
            if province == target.province {
                Ok(())
            } else {
                Err(Refusal::OtherPlace)
            }
        }
        Actor::PartnerKey => {
            if access {
                return Err(Refusal::PartnerAccess);
            }
            if target.role.rank() >= PARTNER_RANK {
                return Err(Refusal::TargetNotBelow);
            }
            Ok(())
        }
        Actor::Officer { id, role, commune } => {
            if commune.is_none() || commune != target.commune {
                return Err(Refusal::OtherPlace);
            }
            if id == target.id {
                return if access {
                    Err(Refusal::OwnAccess)
                } else {
                    Ok(())
                };
            }
            if target.role.rank() >= role.rank() {
                return Err(Refusal::TargetNotBelow);
            }
            match change.role {
                Some(new) if new.rank() >= role.rank() => Err(Refusal::RoleNotBelow),
                _ => Ok(()),
            }
        }
    }
}

/// Whether `actor` may register a person of `role` in `commune` (of `province`).
pub fn check_registration(
    actor: Actor<'_>,
    role: OfficerRole,
    commune: Option<&str>,
    province: &str,
) -> Result<(), Refusal> {
    match actor {
        Actor::NationalAdministrator => Ok(()),
        Actor::ProvinceAdministrator { province: own } if own == province => Ok(()),
        Actor::ProvinceAdministrator { .. } => Err(Refusal::OtherPlace),
        Actor::PartnerKey if role.rank() < PARTNER_RANK => Ok(()),
        Actor::PartnerKey => Err(Refusal::RoleNotBelow),
        Actor::Officer {
            commune: own,
            role: own_role,
            ..
        } => {
            if own.is_none() || own != commune {
                Err(Refusal::OtherPlace)
            } else if role.rank() >= own_role.rank() {
                Err(Refusal::RoleNotBelow)
            } else {
                Ok(())
            }
        }
    }
}

/// Bearer tokens are issued by administrators only: neither an officer nor the chief may
/// issue a token, for themselves or anyone else, so a record they registered cannot sign in
/// until an administrator says so.
pub fn may_issue_token(actor: Actor<'_>) -> bool {
    matches!(
        actor,
        Actor::NationalAdministrator | Actor::ProvinceAdministrator { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use OfficerRole::*;

    type Verdict = Result<(), Refusal>;
    type ChangeCase = (
        &'static str,
        Actor<'static>,
        Target<'static>,
        Change,
        Verdict,
    );
    type RegistrationCase = (
        &'static str,
        Actor<'static>,
        OfficerRole,
        &'static str,
        Verdict,
    );

    const A: &str = "00004";
    const B: &str = "00008";

    fn officer(id: &'static str, role: OfficerRole, commune: &'static str) -> Actor<'static> {
        Actor::Officer {
            id,
            role,
            commune: Some(commune),
        }
    }

    fn target(id: &'static str, role: OfficerRole, commune: &'static str) -> Target<'static> {
        Target {
            id,
            role,
            commune: Some(commune),
            province: "01",
        }
    }

    const PROFILE: Change = Change {
        role: None,
        active: false,
    };
    const DEACTIVATE: Change = Change {
        role: None,
        active: true,
    };

    fn to_role(role: OfficerRole) -> Change {
        Change {
            role: Some(role),
            active: false,
        }
    }

    #[test]
    fn who_may_change_what_of_whom() {
        let admin = Actor::NationalAdministrator;
        let province_admin = Actor::ProvinceAdministrator { province: "01" };
        let other_province_admin = Actor::ProvinceAdministrator { province: "79" };
        let chief = officer("chief", CommunePoliceChief, A);
        let cuong = officer("cuong", CommunePoliceOfficer, A);
        let me_chief = target("chief", CommunePoliceChief, A);
        let me_cuong = target("cuong", CommunePoliceOfficer, A);
        let peer = target("dung", CommunePoliceOfficer, A);
        let volunteer = target("vol", SocialWorkVolunteer, A);
        let chairman = target("chair", CommuneChairman, A);
        let officer_b = target("b", CommunePoliceOfficer, B);
        use Refusal::*;
        #[rustfmt::skip]
        let table: Vec<ChangeCase> = vec![
            // Administrators: anything in their reach, any role.
            ("admin promotes", admin, me_cuong, to_role(CommunePoliceChief), Ok(())),
            ("admin deactivates chief", admin, me_chief, DEACTIVATE, Ok(())),
            ("province admin promotes", province_admin, me_cuong, to_role(CommunePoliceChief), Ok(())),
            ("other province admin", other_province_admin, me_cuong, PROFILE, Err(OtherPlace)),
            // An officer: own profile yes, own role or active flag never.
            ("officer own profile", cuong, me_cuong, PROFILE, Ok(())),
            ("officer makes self chief", cuong, me_cuong, to_role(CommunePoliceChief), Err(OwnAccess)),
            ("officer deactivates self", cuong, me_cuong, DEACTIVATE, Err(OwnAccess)),
            ("officer deactivates chief", cuong, me_chief, DEACTIVATE, Err(TargetNotBelow)),
            ("officer demotes chief", cuong, me_chief, to_role(CommunePoliceOfficer), Err(TargetNotBelow)),
            ("officer edits chief profile", cuong, me_chief, PROFILE, Err(TargetNotBelow)),
            ("officer edits peer", cuong, peer, PROFILE, Err(TargetNotBelow)),
            ("officer deactivates peer", cuong, peer, DEACTIVATE, Err(TargetNotBelow)),
            ("officer manages volunteer", cuong, volunteer, DEACTIVATE, Ok(())),
            ("officer volunteer to family", cuong, volunteer, to_role(FamilyMember), Ok(())),
            ("officer volunteer to officer", cuong, volunteer, to_role(CommunePoliceOfficer), Err(RoleNotBelow)),
            ("officer other commune", cuong, officer_b, PROFILE, Err(OtherPlace)),
            // The chief: people below the chief in the commune, never self, never to chief.
            ("chief deactivates officer", chief, peer, DEACTIVATE, Ok(())),
            ("chief officer to volunteer", chief, peer, to_role(SocialWorkVolunteer), Ok(())),
            ("chief promotes officer to chief", chief, peer, to_role(CommunePoliceChief), Err(RoleNotBelow)),
            ("chief promotes officer to chairman", chief, peer, to_role(CommuneChairman), Err(RoleNotBelow)),
            ("chief own profile", chief, me_chief, PROFILE, Ok(())),
            ("chief deactivates self", chief, me_chief, DEACTIVATE, Err(OwnAccess)),
            ("chief changes chairman", chief, chairman, DEACTIVATE, Err(TargetNotBelow)),
            ("chief other commune", chief, officer_b, DEACTIVATE, Err(OtherPlace)),
            // Partner keys: profile of people below the chief; never role or active flag.
            ("key edits officer", Actor::PartnerKey, peer, PROFILE, Ok(())),
            ("key edits chief", Actor::PartnerKey, me_chief, PROFILE, Err(TargetNotBelow)),
            ("key deactivates officer", Actor::PartnerKey, peer, DEACTIVATE, Err(PartnerAccess)),
            ("key deactivates chief", Actor::PartnerKey, me_chief, DEACTIVATE, Err(PartnerAccess)),
            ("key promotes", Actor::PartnerKey, volunteer, to_role(CommunePoliceOfficer), Err(PartnerAccess)),
        ];
        for (name, actor, target, change, expected) in table {
            assert_eq!(check_change(actor, target, change), expected, "{name}");
        }
    }

    #[test]
    fn who_may_register_which_role() {
        use Refusal::*;
        let chief = officer("chief", CommunePoliceChief, A);
        let cuong = officer("cuong", CommunePoliceOfficer, A);
        #[rustfmt::skip]
        let table: Vec<RegistrationCase> = vec![
            ("admin registers a chief", Actor::NationalAdministrator, CommunePoliceChief, A, Ok(())),
            ("province admin elsewhere", Actor::ProvinceAdministrator { province: "79" }, CommunePoliceOfficer, A, Err(OtherPlace)),
            ("chief registers officer", chief, CommunePoliceOfficer, A, Ok(())),
            ("chief registers a second chief", chief, CommunePoliceChief, A, Err(RoleNotBelow)),
            ("chief registers chairman", chief, CommuneChairman, A, Err(RoleNotBelow)),
            ("officer registers volunteer", cuong, SocialWorkVolunteer, A, Ok(())),
            ("officer registers officer", cuong, CommunePoliceOfficer, A, Err(RoleNotBelow)),
            ("officer registers chief", cuong, CommunePoliceChief, A, Err(RoleNotBelow)),
            ("officer registers in B", cuong, SocialWorkVolunteer, B, Err(OtherPlace)),
            ("key registers officer", Actor::PartnerKey, CommunePoliceOfficer, A, Ok(())),
            ("key registers chief", Actor::PartnerKey, CommunePoliceChief, A, Err(RoleNotBelow)),
            ("key registers PC04", Actor::PartnerKey, ProvincePc04Officer, A, Err(RoleNotBelow)),
        ];
        for (name, actor, role, commune, expected) in table {
            assert_eq!(
                check_registration(actor, role, Some(commune), "01"),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn only_administrators_issue_tokens() {
        assert!(may_issue_token(Actor::NationalAdministrator));
        assert!(may_issue_token(Actor::ProvinceAdministrator {
            province: "01"
        }));
        assert!(!may_issue_token(officer("chief", CommunePoliceChief, A)));
        assert!(!may_issue_token(officer("cuong", CommunePoliceOfficer, A)));
        assert!(!may_issue_token(Actor::PartnerKey));
    }

    #[test]
    fn ranks_put_the_chief_and_chairman_above_officers_and_supporters() {
        assert!(CommunePoliceChief.rank() > CommunePoliceOfficer.rank());
        assert_eq!(CommunePoliceChief.rank(), CommuneChairman.rank());
        assert!(CommunePoliceOfficer.rank() > FamilyMember.rank());
        assert!(ProvincePc04Officer.rank() > CommunePoliceChief.rank());
    }
}
