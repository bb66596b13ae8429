//! AWS RAM resource shares, through which cross-account Lake Formation grants reach the
//! consumer account.
//! <https://docs.aws.amazon.com/lake-formation/latest/dg/cross-account-share-prerequisistes.html>

use crate::grant::GrantPrincipal;
use crate::{Lake, Requester};
use std::collections::{BTreeMap, BTreeSet};
use xacct_policy::AccountId;

/// The state of a share's invitation for one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    Pending,
    Accepted,
    Rejected,
    Expired,
}

impl InvitationState {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.trim().to_ascii_uppercase().as_str() {
            "PENDING" => Self::Pending,
            "ACCEPTED" | "ASSOCIATED" => Self::Accepted,
            "REJECTED" => Self::Rejected,
            "EXPIRED" => Self::Expired,
            _ => return None,
        })
    }
}

/// A RAM resource share of Glue resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub name: String,
    pub owner: AccountId,
    pub arn: Option<String>,
    /// Glue ARNs: the catalog, `database/NAME`, `table/DB/NAME` or `table/DB/*`.
    pub resources: Vec<String>,
    pub principals: Vec<GrantPrincipal>,
    pub allow_external_principals: bool,
    /// Invitation state per consumer account, as `get-resource-share-invitations` shows it.
    pub invitations: BTreeMap<AccountId, InvitationState>,
    /// Invitation ARNs per consumer account, for the command that accepts them.
    pub invitation_arns: BTreeMap<AccountId, String>,
    pub origin: String,
}

/// Whether the resources of a database reach a consumer account through RAM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShareState {
    Active {
        by: String,
    },
    /// A share reaches the account, but its invitation is not accepted: the resources stay
    /// invisible there.
    Pending {
        share: Option<String>,
        account: AccountId,
        invitation_arn: Option<String>,
        reason: String,
    },
    /// No share reaches the account.
    NotShared {
        reason: String,
    },
}

impl ShareState {
    pub fn describe(&self) -> String {
        match self {
            Self::Active { by } => by.clone(),
            Self::Pending { reason, .. } | Self::NotShared { reason } => reason.clone(),
        }
    }

    /// `aws ram accept-resource-share-invitation ...`, for a pending invitation.
    pub fn accept_command(&self) -> Option<String> {
        match self {
            Self::Pending {
                invitation_arn,
                account,
                ..
            } => Some(format!(
                "aws ram accept-resource-share-invitation --resource-share-invitation-arn {} # as account {account}",
                invitation_arn.as_deref().unwrap_or("<the invitation ARN from aws ram get-resource-share-invitations>")
            )),
            _ => None,
        }
    }
}

impl Share {
    /// Whether a principal of the share names the requester's account, organization or unit.
    fn reaches(&self, requester: &Requester) -> bool {
        self.principals
            .iter()
            .any(|principal| principal.reaches_account(requester))
    }

    fn covers_database(&self, database: &str) -> bool {
        self.resources.iter().any(|arn| {
            let Some((_, resource)) = arn.rsplit_once(':') else {
                return false;
            };
            resource == "catalog"
                || resource == format!("database/{database}")
                || resource.starts_with(&format!("table/{database}/"))
        })
    }
}

impl Lake {
    /// Whether `owner` shares anything of `database` with the requester's account: a declared
    /// RAM share that covers it and names the account (or its organization or unit), or a Lake
    /// Formation grant on it to the account, its organization or unit, or the requester itself,
    /// for which Lake Formation makes the share. Whether the share is active is
    /// [`Lake::share_state`]'s question.
    pub fn shares_with(&self, owner: AccountId, requester: &Requester, database: &str) -> bool {
        let declared = self.shares.iter().any(|share| {
            share.owner == owner && share.covers_database(database) && share.reaches(requester)
        });
        let granted = self.grants.iter().any(|grant| {
            grant.grantor == owner
                && grant.principal.reaches_account(requester)
                && match &grant.resource {
                    crate::GrantResource::Catalog { catalog } => *catalog == owner,
                    crate::GrantResource::Database { catalog, name } => {
                        *catalog == owner && name == database
                    }
                    crate::GrantResource::Table {
                        catalog,
                        database: granted,
                        ..
                    } => *catalog == owner && granted == database,
                    crate::GrantResource::DataCellsFilter {
                        catalog,
                        database: filtered,
                        ..
                    } => *catalog == owner && filtered == database,
                    // Under versions 1 and 2 a tag-based grant uses no RAM share.
                    crate::GrantResource::TagPolicy { .. } => {
                        self.cross_account_version(owner, &self.region_of_owner(owner))
                            .0
                            >= 3
                            && self.tag_grant_touches(grant, owner, database)
                    }
                    crate::GrantResource::DataLocation { .. } => false,
                }
        });
        declared || granted
    }

    /// Whether the organization holds both accounts.
    fn same_organization(&self, owner: AccountId, requester: &Requester) -> bool {
        requester.organization.is_some()
            && requester.organization == self.organization
            && self.members.contains(&owner)
    }

    /// How resources of `database` in `owner`'s catalog reach the requester's account.
    pub fn share_state(
        &self,
        owner: AccountId,
        requester: &Requester,
        database: &str,
    ) -> ShareState {
        let account = requester.account;
        let same_organization = self.same_organization(owner, requester);
        let declared: Vec<&Share> = self
            .shares
            .iter()
            .filter(|share| {
                share.owner == owner && share.covers_database(database) && share.reaches(requester)
            })
            .collect();
        for share in &declared {
            let state = share.invitations.get(&account).copied();
            let auto = same_organization && self.organization_sharing;
            if state == Some(InvitationState::Accepted) || (state.is_none() && auto) {
                let how = if state.is_some() {
                    "its invitation is accepted".to_owned()
                } else {
                    "sharing with the organization is enabled, so no invitation is needed"
                        .to_owned()
                };
                return ShareState::Active {
                    by: format!(
                        "RAM share `{}` of {owner} reaches {account}: {how}",
                        share.name
                    ),
                };
            }
        }
        if let Some(share) = declared.first() {
            let state = share
                .invitations
                .get(&account)
                .map_or("not accepted".to_owned(), |state| {
                    format!("{state:?}").to_ascii_lowercase()
                });
            return ShareState::Pending {
                share: Some(share.name.clone()),
                account,
                invitation_arn: share.invitation_arns.get(&account).cloned(),
                reason: format!(
                    "RAM share `{}` of {owner} reaches {account}, but its invitation is {state}: until {account} accepts it, the shared resources are invisible there",
                    share.name
                ),
            };
        }
        if same_organization && self.organization_sharing {
            return ShareState::Active {
                by: format!("Lake Formation shares the grant through RAM inside the organization, and sharing with the organization is enabled: {account} needs no invitation"),
            };
        }
        ShareState::Pending {
            share: None,
            account,
            invitation_arn: None,
            reason: if same_organization {
                format!("sharing with the organization is not enabled in RAM, so the share Lake Formation created for {account} waits for its invitation to be accepted")
            } else {
                format!("{account} is outside {owner}'s organization: the RAM share Lake Formation created waits for {account} to accept its invitation (declare the [[share]] with `invitations` when it is accepted)")
            },
        }
    }
}

/// Accounts of the organization, for [`Lake::share_state`].
pub type Members = BTreeSet<AccountId>;
