//! One typed IAM policy model, shared by the planner (which writes documents) and `verify`
//! (which reads them back and judges them).

pub mod access;
pub mod cover;
pub mod document;
pub mod eval;
pub mod pattern;

pub use document::{
    canonical, parse_iam_document, same_meaning, Conditions, Effect, HeldDocument, OneOrMany,
    PolicyDocument, Principal, PrincipalMap, Statement,
};

/// The account id inside an ARN, if it has one.
pub fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':')
        .nth(4)
        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
}

/// The partition of an ARN (`aws`, `aws-cn`, ...).
pub fn arn_partition(arn: &str) -> Option<&str> {
    arn.split(':').nth(1).filter(|p| {
        matches!(
            *p,
            "aws" | "aws-cn" | "aws-us-gov" | "aws-iso" | "aws-iso-b"
        )
    })
}
