//! leakhound: a fast scanner for leaked credentials in source trees and git history.
//!
//! Data flows one way (see `docs/ARCHITECTURE.md`): a [`source`] yields [`blob::Blob`]s, the
//! [`scan::Scanner`] turns each into matches, [`pipeline`] builds [`finding::Finding`]s and
//! applies [`triage`], [`live`] verifies and revokes when asked, and [`report`] writes them out.
//! [`run`] holds one entry point per command; the binary only parses arguments and dispatches.

#![deny(unsafe_code)]

pub mod blob;
pub mod cli;
pub mod config;
pub mod control_file;
pub mod explain;
pub mod finding;
pub mod hook;
pub mod interrupt;
pub mod live;
pub mod output;
pub mod pipeline;
pub mod printable;
pub mod progress;
pub mod providers;
pub mod report;
pub mod rules;
pub mod run;
pub mod scan;
pub mod secret;
pub mod shard;
pub mod source;
pub mod summary;
pub mod time;
pub mod triage;
