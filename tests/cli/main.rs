//! End-to-end tests: run the built `leakhound` binary on fixtures and temp trees, and assert
//! exact findings, exit codes, redaction, skips and report validity.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a panic is a test failure"
)]

mod action;
mod annotations;
mod archives;
mod common;
mod corruption;
mod discovery;
mod explain;
mod forge_fake;
mod git;
mod hostile;
mod hostile_repo;
mod images;
mod interrupt;
mod layering;
mod library;
mod nearby_verify;
mod remote;
mod reports;
mod rerender;
mod rules;
mod scan;
mod shard;
mod skips;
mod snapshots;
mod suppress;
mod verify;
mod webhook_revoke;
