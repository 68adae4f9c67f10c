//! `--identity user`: an IAM user instead of the role, holding the same policies, with one
//! access key. The user gets the guardrails IAM supports for users (path, permissions
//! boundary, tags); it has no trust policy, description or session length. A user that has a
//! key keeps it: IAM shows a secret only when the key is made, so a re-run cannot show it
//! again, and makes no second key (`rotate-key` replaces one).

use super::{
    arn, boundary_change, tag_changes, AccessKeyInfo, Change, ExistingUser, Facts, Holder, Note,
    PlanError, Request, Resource,
};

/// The user a plan is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserPlan {
    pub(crate) name: String,
    /// With the path: `arn:aws:iam::ACCOUNT:user/PATH/NAME`. None offline.
    pub(crate) arn: Option<String>,
    /// The keys it has now (none for a new user).
    pub(crate) keys: Vec<AccessKeyInfo>,
}

/// The user of a user request: its ARN (its own when it exists, else the one it will get).
pub(super) fn planned(req: &Request, name: &str, facts: &Facts) -> UserPlan {
    let existing = facts.existing.user.as_ref();
    let path = format!("{}{name}", &req.guardrails.path()[1..]);
    UserPlan {
        name: name.to_string(),
        arn: existing
            .map(|u| u.arn.clone())
            .or_else(|| arn(facts, "user", &path)),
        keys: existing.map(|u| u.keys.clone()).unwrap_or_default(),
    }
}

/// Create the user, or keep it (taking it over with `--adopt` when it is not ours).
pub(super) fn user_change(
    req: &Request,
    name: &str,
    user: Option<&ExistingUser>,
    adopt: &mut Vec<Change>,
) -> Result<Change, PlanError> {
    let resource = Resource::User(name.to_string());
    let Some(user) = user else {
        return Ok(Change::CreateUser {
            name: name.to_string(),
            guardrails: req.guardrails.clone(),
        });
    };
    if !user.owned {
        if !req.adopt {
            return Err(PlanError::NotOwned {
                kind: "user",
                name: name.to_string(),
            });
        }
        adopt.push(Change::Adopt {
            resource: resource.clone(),
            arn: user.arn.clone(),
            from: None,
        });
    }
    Ok(Change::Unchanged(resource))
}

/// The guardrails asked for against what the user has, as for a role: what was not asked for
/// stays; IAM cannot move a user to another path.
pub(super) fn user_settings(
    req: &Request,
    name: &str,
    user: &ExistingUser,
) -> Result<Vec<Change>, PlanError> {
    let g = &req.guardrails;
    let holder = Holder::User(name.to_string());
    if let Some(want) = g.path.as_ref().filter(|p| **p != user.path) {
        return Err(PlanError::Immovable {
            holder,
            have: user.path.clone(),
            want: want.clone(),
        });
    }
    let mut out: Vec<Change> = boundary_change(&holder, g, user.permissions_boundary.as_ref())
        .into_iter()
        .collect();
    out.extend(tag_changes(&holder, g, &user.tags));
    Ok(out)
}

/// The user's key: made when it has no active one (and room for one under IAM's limit of
/// two); otherwise kept, with a note that its secret cannot be shown again.
pub(super) fn key_change(name: &str, facts: &Facts, notes: &mut Vec<Note>) -> Change {
    let keys = facts
        .existing
        .user
        .as_ref()
        .map_or(&[][..], |u| u.keys.as_slice());
    let active: Vec<&AccessKeyInfo> = keys.iter().filter(|k| k.active).collect();
    let kept = Change::Unchanged(Resource::AccessKey {
        user: name.to_string(),
    });
    if let Some(key) = active.first() {
        notes.push(Note::info(format!(
            "user {name} already has the access key {}; its secret was shown only when it \
             was made and cannot be shown again, so no file is written. To get a new key: \
             provision-role rotate-key --user-name {name}",
            key.id
        )));
        return kept;
    }
    if keys.len() >= MAX_KEYS {
        notes.push(Note::warn(format!(
            "user {name} has {MAX_KEYS} access keys and none is active (IAM allows {MAX_KEYS}); \
             no key is made. Delete one (aws iam delete-access-key --user-name {name} \
             --access-key-id {}) and run again",
            keys[0].id
        )));
        return kept;
    }
    Change::CreateAccessKey {
        user: name.to_string(),
        existing: keys.iter().map(|k| k.id.clone()).collect(),
    }
}

/// IAM's limit of access keys per user.
pub(crate) const MAX_KEYS: usize = 2;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::request::{default_user_policy_name, DEFAULT_USER_NAME};
    use crate::plan::{build, Action, Guardrails, Request};

    fn user_request(buckets: &[&str]) -> Request {
        let args = crate::cli::RoleArgs {
            buckets: buckets
                .iter()
                .map(|b| crate::cli::values::bucket_scope(b).unwrap())
                .collect(),
            identity: crate::cli::args::IdentityArgs {
                identity: Some(crate::cli::args::IdentityArg::User),
                user_name: None,
            },
            ..crate::cli::RoleArgs::default()
        };
        crate::cli::resolve::request(&args).unwrap()
    }

    fn online() -> Facts {
        Facts {
            account_id: Some("123456789012".into()),
            ..Facts::offline()
        }
    }

    fn existing(keys: &[(&str, bool)]) -> ExistingUser {
        ExistingUser {
            arn: format!("arn:aws:iam::123456789012:user/{DEFAULT_USER_NAME}"),
            owned: true,
            path: "/".into(),
            tags: vec![("managed-by".into(), "provision-role".into())],
            keys: keys
                .iter()
                .map(|(id, active)| AccessKeyInfo {
                    id: id.to_string(),
                    active: *active,
                    created: None,
                })
                .collect(),
            ..ExistingUser::default()
        }
    }

    #[test]
    fn a_new_user_gets_the_policy_and_one_key() {
        let req = user_request(&["lake/projects/farm"]);
        assert_eq!(req.user_name(), Some(DEFAULT_USER_NAME));
        assert_eq!(req.policy_name, default_user_policy_name(DEFAULT_USER_NAME));
        let plan = build(&req, &online()).unwrap();
        let user = plan.user().unwrap();
        assert_eq!(
            user.arn.as_deref(),
            Some("arn:aws:iam::123456789012:user/activeloop-deeplake-access")
        );
        let resources: Vec<String> = plan
            .changes
            .iter()
            .map(|c| c.resource().to_string())
            .collect();
        assert_eq!(
            resources,
            [
                "policy/activeloop-deeplake-access-user-s3-access",
                "user/activeloop-deeplake-access",
                "user-attachment/activeloop-deeplake-access/activeloop-deeplake-access-user-s3-access",
                "access-key/activeloop-deeplake-access",
            ]
        );
        assert!(plan.changes.iter().all(|c| c.action() == Action::Create));
        assert!(
            plan.role().is_none(),
            "a user has no role, so no trust policy"
        );
    }

    #[test]
    fn a_user_with_an_active_key_keeps_it_and_says_why() {
        let req = user_request(&["lake"]);
        let mut facts = online();
        facts.existing.user = Some(existing(&[("AKIAOLD", true)]));
        let plan = build(&req, &facts).unwrap();
        let last = plan.changes.last().unwrap();
        assert_eq!(last.action(), Action::Unchanged);
        assert_eq!(
            last.resource().to_string(),
            "access-key/activeloop-deeplake-access"
        );
        let note = plan
            .notes
            .iter()
            .find(|n| n.message.contains("AKIAOLD"))
            .unwrap();
        assert!(
            note.message.contains("cannot be shown again"),
            "{}",
            note.message
        );
        assert!(note.message.contains("rotate-key"), "{}", note.message);
    }

    #[test]
    fn only_inactive_keys_get_a_new_one_within_the_limit() {
        let req = user_request(&["lake"]);
        let mut facts = online();
        facts.existing.user = Some(existing(&[("AKIAOFF", false)]));
        let plan = build(&req, &facts).unwrap();
        assert!(matches!(
            plan.changes.last(),
            Some(Change::CreateAccessKey { .. })
        ));
        facts.existing.user = Some(existing(&[("AKIA1", false), ("AKIA2", false)]));
        let plan = build(&req, &facts).unwrap();
        assert_eq!(plan.changes.last().unwrap().action(), Action::Unchanged);
        assert!(plan
            .notes
            .iter()
            .any(|n| n.message.contains("aws iam delete-access-key")));
    }

    #[test]
    fn a_foreign_user_is_refused_unless_adopted() {
        let mut req = user_request(&["lake"]);
        let mut facts = online();
        facts.existing.user = Some(ExistingUser {
            owned: false,
            tags: Vec::new(),
            ..existing(&[])
        });
        let err = build(&req, &facts).unwrap_err();
        assert!(matches!(err, PlanError::NotOwned { kind: "user", .. }));
        req.adopt = true;
        let plan = build(&req, &facts).unwrap();
        assert!(plan.changes.iter().any(|c| matches!(
            c,
            Change::Adopt {
                resource: Resource::User(_),
                ..
            }
        )));
    }

    #[test]
    fn guardrails_of_an_existing_user_are_brought_to_the_request() {
        let mut req = user_request(&["lake"]);
        req.guardrails = Guardrails {
            permissions_boundary: Some("arn:aws:iam::123456789012:policy/Boundary".into()),
            tags: vec![("team".into(), "data".into())],
            ..Guardrails::default()
        };
        let mut facts = online();
        facts.existing.user = Some(existing(&[("AKIA1", true)]));
        let plan = build(&req, &facts).unwrap();
        assert!(plan.changes.iter().any(|c| matches!(
            c,
            Change::SetBoundary {
                holder: Holder::User(_),
                ..
            }
        )));
        assert!(plan.changes.iter().any(|c| matches!(
            c,
            Change::Tag {
                holder: Holder::User(_),
                ..
            }
        )));
        req.guardrails.path = Some("/elsewhere/".into());
        let err = build(&req, &facts).unwrap_err().to_string();
        assert!(err.contains("IAM cannot move a user"), "{err}");
        assert!(err.contains("--identity user --user-name"), "{err}");
    }
}
