//! Databricks Unity Catalog on AWS: storage and service credentials (IAM roles the Unity
//! Catalog master role of the Databricks control plane assumes), external locations (a path
//! prefix bound to a storage credential) and managed storage (of a metastore or a catalog).
//!
//! This module holds the model and the questions that need no policy evaluation: which
//! location serves a path, which locations overlap, which requests Unity Catalog makes on a
//! location and which trust a credential's role needs. Whether the documents allow those
//! requests is the engine's question (`xacct-world` turns each credential and location into
//! checks).
//!
//! Sources (see docs/routes.md, "Databricks Unity Catalog"):
//! - <https://docs.databricks.com/en/connect/unity-catalog/cloud-storage/storage-credentials.html>
//!   (the role's trust: the master role with `sts:ExternalId`, and the role itself; the S3,
//!   KMS and `sts:AssumeRole` permissions),
//! - <https://community.databricks.com/t5/product-platform-updates/update-your-uc-aws-iam-roles-to-include-self-assume-capabilities/ba-p/67347>
//!   (roles that do not trust themselves are refused: new credentials created after
//!   2024-09-20, every credential from 2025-01-20),
//! - <https://docs.databricks.com/sql/language-manual/sql-ref-storage-credentials.html>
//!   (credentials, external locations).

mod location;

pub use location::{overlaps, Overlap, StoragePath};

use serde::Serialize;

/// The Unity Catalog master role of the Databricks control plane in AWS commercial Regions,
/// which assumes every storage and service credential's role. Databricks documents it in the
/// trust policy of a storage credential's role (storage-credentials page, step 1).
pub const MASTER_ROLE_COMMERCIAL: &str =
    "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL";

/// The date Databricks stopped using existing storage credentials whose role does not trust
/// itself (new ones created after 2024-09-20 were refused from that date on).
pub const SELF_ASSUME_ENFORCED_SINCE: &str = "2025-01-20";

/// The S3 actions Unity Catalog needs on a location it reads: the Databricks policy grants
/// them on the bucket and its objects, and validating an external location calls them.
pub const READ_ACTIONS: &[&str] = &["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"];

/// The S3 actions it needs in addition on a location it writes.
pub const WRITE_ACTIONS: &[&str] = &["s3:PutObject", "s3:DeleteObject"];

/// What a credential is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// A storage credential: reaches S3 through external locations and managed storage.
    Storage,
    /// A service credential: reaches other AWS services through their SDKs; no location.
    Service,
}

impl Purpose {
    /// `storage` or `service`, as the manifest and Databricks' `purpose` field say it.
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "storage" => Some(Self::Storage),
            "service" => Some(Self::Service),
            _ => None,
        }
    }

    /// How users say it: "storage credential", "service credential".
    pub const fn noun(self) -> &'static str {
        match self {
            Self::Storage => "storage credential",
            Self::Service => "service credential",
        }
    }
}

/// A Unity Catalog credential backed by an IAM role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Credential {
    pub name: String,
    pub purpose: Purpose,
    /// The IAM role's ARN (`aws_iam_role.role_arn` in Terraform).
    pub role: String,
    /// The Databricks account id: the external id Databricks passed for credentials created
    /// before per-credential external ids, and the default of [`Credential::external_id`].
    pub databricks_account_id: String,
    /// The `sts:ExternalId` the master role passes when it assumes the role: the one Databricks
    /// shows on the credential (`aws_iam_role.external_id`), the account id when not given.
    pub external_id: String,
    /// The role that assumes this one: [`MASTER_ROLE_COMMERCIAL`] unless the scenario names
    /// another (GovCloud, or a private deployment).
    pub master_role: String,
    /// Unity Catalog only reads through this credential.
    pub read_only: bool,
}

/// An external location: a path prefix bound to a storage credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExternalLocation {
    pub name: String,
    pub path: StoragePath,
    /// The storage credential's name.
    pub credential: String,
    pub read_only: bool,
}

/// Managed storage: where a metastore or a catalog keeps its managed tables and volumes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManagedStorage {
    /// `metastore NAME` or `catalog NAME`.
    pub owner: String,
    pub path: StoragePath,
    /// The storage credential that reaches it: the metastore's data access credential, or for
    /// a catalog the credential of the external location that holds its path.
    pub credential: Option<String>,
}

/// Which object serves a path: the external location or managed storage that holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Served<'a> {
    ExternalLocation { location: &'a ExternalLocation },
    ManagedStorage { storage: &'a ManagedStorage },
}

impl Served<'_> {
    /// The credential that reaches the path, when one does.
    pub fn credential(&self) -> Option<&str> {
        match self {
            Self::ExternalLocation { location } => Some(&location.credential),
            Self::ManagedStorage { storage } => storage.credential.as_deref(),
        }
    }

    /// The location's own path prefix.
    pub fn path(&self) -> &StoragePath {
        match self {
            Self::ExternalLocation { location } => &location.path,
            Self::ManagedStorage { storage } => &storage.path,
        }
    }

    /// How users name it: "external location `sales` (s3://lake-b/sales/)".
    pub fn describe(&self) -> String {
        match self {
            Self::ExternalLocation { location } => {
                format!("external location `{}` ({})", location.name, location.path)
            }
            Self::ManagedStorage { storage } => {
                format!(
                    "the managed storage of {} ({})",
                    storage.owner, storage.path
                )
            }
        }
    }
}

/// Every Unity Catalog object a scenario declares.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UnityCatalog {
    /// By name (credential names are unique within a metastore).
    pub credentials: std::collections::BTreeMap<String, Credential>,
    pub external_locations: Vec<ExternalLocation>,
    pub managed_storage: Vec<ManagedStorage>,
}

impl UnityCatalog {
    pub fn is_empty(&self) -> bool {
        self.credentials.is_empty()
            && self.external_locations.is_empty()
            && self.managed_storage.is_empty()
    }

    /// The credential whose role is `role_arn`.
    pub fn credential_of_role(&self, role_arn: &str) -> Option<&Credential> {
        self.credentials
            .values()
            .find(|credential| credential.role == role_arn)
    }

    /// The object that serves `path`: the external location or managed storage whose prefix
    /// holds it, the longest prefix when several do (Unity Catalog refuses overlapping
    /// external locations, so several only hold a path in a scenario with an
    /// `uc-external-location-overlap` finding). External locations come before managed storage
    /// of the same length: a catalog's managed storage lies inside an external location.
    pub fn serving(&self, path: &StoragePath) -> Option<Served<'_>> {
        let locations = self
            .external_locations
            .iter()
            .filter(|location| location.path.holds(path))
            .map(|location| Served::ExternalLocation { location });
        let managed = self
            .managed_storage
            .iter()
            .filter(|storage| storage.path.holds(path))
            .map(|storage| Served::ManagedStorage { storage });
        let mut best: Option<Served<'_>> = None;
        for candidate in locations.chain(managed) {
            let longer = best
                .as_ref()
                .is_none_or(|best| candidate.path().key.len() > best.path().key.len());
            if longer {
                best = Some(candidate);
            }
        }
        best
    }

    /// The external location that holds `path`, for a catalog's managed storage.
    pub fn external_location_holding(&self, path: &StoragePath) -> Option<&ExternalLocation> {
        self.external_locations
            .iter()
            .filter(|location| location.path.holds(path))
            .max_by_key(|location| location.path.key.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(name: &str, path: &str) -> ExternalLocation {
        ExternalLocation {
            name: name.to_owned(),
            path: StoragePath::parse(path).unwrap(),
            credential: format!("{name}-credential"),
            read_only: false,
        }
    }

    #[test]
    fn the_longest_prefix_serves_a_path() {
        let catalog = UnityCatalog {
            external_locations: vec![
                location("lake", "s3://lake-b/"),
                location("sales", "s3://lake-b/sales/"),
            ],
            ..UnityCatalog::default()
        };
        let path = StoragePath::parse("s3://lake-b/sales/2026/x.parquet").unwrap();
        let served = catalog.serving(&path).unwrap();
        assert_eq!(served.credential(), Some("sales-credential"));
        let other = StoragePath::parse("s3://lake-b/salesforce/x").unwrap();
        assert_eq!(
            catalog.serving(&other).unwrap().credential(),
            Some("lake-credential")
        );
        let elsewhere = StoragePath::parse("s3://lake-c/sales/x").unwrap();
        assert!(catalog.serving(&elsewhere).is_none());
    }

    #[test]
    fn managed_storage_serves_what_no_external_location_holds() {
        let catalog = UnityCatalog {
            external_locations: vec![location("sales", "s3://lake-b/sales/")],
            managed_storage: vec![ManagedStorage {
                owner: "metastore main".to_owned(),
                path: StoragePath::parse("s3://root-a/metastore").unwrap(),
                credential: Some("root".to_owned()),
            }],
            ..UnityCatalog::default()
        };
        let path = StoragePath::parse("s3://root-a/metastore/tables/x").unwrap();
        let served = catalog.serving(&path).unwrap();
        assert_eq!(served.credential(), Some("root"));
        assert!(served.describe().contains("metastore main"));
    }

    #[test]
    fn purposes_read_as_databricks_writes_them() {
        assert_eq!(Purpose::parse("STORAGE"), Some(Purpose::Storage));
        assert_eq!(Purpose::parse("service"), Some(Purpose::Service));
        assert_eq!(Purpose::parse("storage-credential"), None);
    }
}
