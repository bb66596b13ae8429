//! The world a scenario describes: an organization, its accounts, their roles, users,
//! instance profiles and buckets, and the expectations to check; loaded from a scenario folder
//! (`xacct.toml`) or from AWS exports, and turned into engine requests for any session.

pub mod access_point;
pub mod assumption;
mod bundle_files;
pub mod cache;
pub mod duplicates;
pub mod exposure;
pub mod files;
pub mod import;
pub mod kms_grant;
pub mod load;
mod load_lake_tags;
pub mod manifest;
pub mod model;
pub mod names;
pub mod question;
mod runtime_role;
pub mod session;
pub mod suggest;
pub mod tags;
pub mod unity_catalog;

pub use assumption::Assumption;
pub use files::FileAccess;
pub use load::{load, load_text, load_text_with, load_with, Loaded};
pub use model::{Bucket, Compute, Expectation, InstanceProfile, Role, User, World, Writer};
pub use session::{Principal, RequestError, Session};
pub use tags::Tags;
