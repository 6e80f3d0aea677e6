//! The GitHub REST API: the one client, its retry policy and token, and
//! the endpoint families the gates read and write.
//!
//! [`client`] sends every request (with [`retry`]'s policy and the
//! [`token`] kept secret); the other modules are the endpoints: the sticky
//! PR [`comment`], [`compare`], repository [`contents`], [`deployments`]
//! and commit [`status`]es. Writes a gate plans go through
//! [`crate::plan`], which calls these.

pub mod client;
pub mod comment;
pub mod compare;
pub mod contents;
pub mod deployments;
pub mod retry;
pub mod status;
pub mod token;
