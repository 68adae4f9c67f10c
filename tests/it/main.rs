//! The integration tests: one binary, one module per area. Every test drives the real
//! `provision-role` binary; those that need AWS get their own moto server (started by
//! `support`, on a free loopback port, with dummy credentials) and read back what it holds.

mod access;
mod cors;
mod create;
mod drift;
mod export;
mod faults;
mod guardrails;
mod harness;
mod keys;
mod lifecycle;
mod proxy;
mod schema;
mod snapshots;
mod support;
mod usage;
mod wizard;
