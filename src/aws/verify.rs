//! Checks of an existing role.
