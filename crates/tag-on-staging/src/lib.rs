//! `tag-on-staging`: tag exactly the commit that staging accepted.
//!
//! This crate holds the version logic so far: conventional-commit
//! classification and the next semver or calver version, pure and tested.
//! The safeguards, the tag creation and the binary arrive with the rest of
//! the issue.

pub mod conventional;
pub mod version;
