//! Deletion of a role and its policies.
