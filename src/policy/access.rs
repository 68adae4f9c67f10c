//! Effective access: the layers outside the role's own policies that can still deny Deep Lake —
//! a KMS key's key policy, a bucket policy's Deny, the permissions boundary, Requester Pays —
//! judged against the grants the plan writes. Pure: documents in, findings out. The planner turns
//! findings into notes (a boundary that blocks refuses the run); `verify` turns them into checks.

use std::collections::BTreeMap;

use super::cover::{self, Coverage};
use super::eval::{self, Context, Decision, Named, Request, Truth};
use super::{Conditions, PolicyDocument, Statement};

/// A read, or why it failed (one line).
pub type Read<T> = Result<T, String>;

/// What the account holds in those layers. A layer that was not read is absent and not judged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layers {
    /// By key ARN: its key policy (the one named `default`).
    pub key_policies: BTreeMap<String, Read<PolicyDocument>>,
    /// By bucket: its bucket policy (`Ok(None)`: it has none).
    pub bucket_policies: BTreeMap<String, Read<Option<PolicyDocument>>>,
    /// The permissions boundary the role (or user) has, or will have.
    pub boundary: Option<Boundary>,
    /// By bucket: whether it is Requester Pays.
    pub requester_pays: BTreeMap<String, Read<bool>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Boundary {
    pub arn: String,
    pub document: Read<PolicyDocument>,
}

/// How a layer came out: `Fail` means Deep Lake will be denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    KeyPolicy,
    BucketPolicy,
    Boundary,
    RequesterPays,
}

/// One layer's judgement about one key, bucket or boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub layer: Layer,
    pub name: String,
    pub verdict: Verdict,
    pub detail: String,
    /// What to do; None when it is fine.
    pub fix: Option<String>,
    /// The problem in one line, for the wizard's review (the name alone when it is fine).
    pub headline: String,
}

impl Finding {
    fn new(layer: Layer, name: String, verdict: Verdict, detail: String, fix: String) -> Finding {
        let fix = (verdict != Verdict::Ok).then_some(fix);
        Finding {
            layer,
            headline: name.clone(),
            name,
            verdict,
            detail,
            fix,
        }
    }

    /// The same finding with its one-line headline.
    fn headline(mut self, short: impl std::fmt::Display) -> Finding {
        self.headline = format!("{}: {short}", self.name);
        self
    }
}

/// Who must get in, and the statements that say for what.
#[derive(Debug, Clone, Copy)]
pub struct Grantee<'a> {
    /// The role's (or user's) ARN.
    pub arn: &'a str,
    /// `the role NAME`, as messages name it.
    pub the: &'a str,
    /// The permission statements the plan writes (or `verify` expects).
    pub needs: &'a [Statement],
}

/// Every layer that was read, judged: key policies, bucket policies, the boundary, Requester Pays.
pub fn judge(g: &Grantee, layers: &Layers) -> Vec<Finding> {
    let mut out = key_policies(g, layers);
    for (bucket, read) in &layers.bucket_policies {
        out.push(bucket_policy(g, bucket, read));
    }
    out.extend(layers.boundary.as_ref().map(|b| boundary(g, b)));
    for (bucket, read) in &layers.requester_pays {
        out.extend(requester_pays(bucket, read));
    }
    out
}

/// What is known of every request the role makes for a grant: over TLS (Deep Lake uses HTTPS),
/// as the role, from Activeloop's network — never through the customer's VPC or VPC endpoint
/// — with the grant's exact conditions; anything else is unknown.
pub fn request_context(arn: &str, when: &Conditions) -> Context {
    let mut ctx = Context::open()
        .with("aws:SecureTransport", &["true"])
        .with("aws:PrincipalArn", &[arn])
        .without("aws:SourceVpce")
        .without("aws:SourceVpc");
    if let Some(account) = super::arn_account(arn) {
        ctx = ctx
            .with("aws:PrincipalAccount", &[account])
            .with("kms:CallerAccount", &[account]);
    }
    for (op, keys) in when {
        if op == "StringEquals" {
            for (key, values) in keys {
                let values: Vec<&str> = values.0.iter().map(String::as_str).collect();
                ctx = ctx.with(key, &values);
            }
        }
    }
    ctx
}

/// Group `(prefix, target, action)` items by prefix and target, in first-seen order, as
/// `PREFIXa, b on TARGET`.
pub fn grouped(items: impl IntoIterator<Item = (String, String, String)>) -> Vec<String> {
    let mut groups: Vec<((String, String), Vec<String>)> = Vec::new();
    for (prefix, target, action) in items {
        let key = (prefix, target);
        let i = match groups.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                groups.push((key, Vec::new()));
                groups.len() - 1
            }
        };
        if !groups[i].1.contains(&action) {
            groups[i].1.push(action);
        }
    }
    groups
        .into_iter()
        .map(|((prefix, target), actions)| format!("{prefix}{} on {target}", actions.join(", ")))
        .collect()
}

/// Each needed `(action, resource, conditions)`.
fn grants(needs: &[Statement]) -> impl Iterator<Item = (&str, &str, &Conditions)> {
    needs.iter().flat_map(|st| {
        st.action
            .iter()
            .flat_map(move |a| st.resource.iter().map(move |r| (a.as_str(), r.as_str())))
            .map(move |(a, r)| (a, r, &st.condition))
    })
}

/// The KMS keys the grants name, each with its actions and the conditions they carry.
fn key_needs(needs: &[Statement]) -> BTreeMap<&str, (Vec<&str>, &Conditions)> {
    let mut keys: BTreeMap<&str, (Vec<&str>, &Conditions)> = BTreeMap::new();
    for (action, resource, when) in grants(needs) {
        if resource.contains(":kms:") && resource.contains(":key/") {
            let entry = keys.entry(resource).or_insert((Vec::new(), when));
            if !entry.0.contains(&action) {
                entry.0.push(action);
            }
        }
    }
    keys
}

/// The key policy of every key the grants name, where it was read.
pub fn key_policies(g: &Grantee, layers: &Layers) -> Vec<Finding> {
    key_needs(g.needs)
        .into_iter()
        .filter_map(|(key, (actions, when))| {
            let read = layers.key_policies.get(key)?;
            let mut found = key_policy(g, key, &actions, when, read);
            // One line in an 80-column review: the key's id, as the summary names keys.
            let id = key.rsplit('/').next().unwrap_or(key);
            found.headline = found.headline.replacen(key, id, 1);
            Some(found)
        })
        .collect()
}

/// The least-privilege statement a key policy needs for `g`: its ARN, the actions, only
/// through S3 (the grant's `kms:ViaService`). Single values are written as strings, as people
/// write key policies.
pub fn key_statement(g: &Grantee, actions: &[&str], when: &Conditions) -> serde_json::Value {
    let one_or_many = |values: &[String]| match values {
        [one] => serde_json::json!(one),
        many => serde_json::json!(many),
    };
    let condition: serde_json::Map<String, serde_json::Value> = when
        .iter()
        .map(|(op, keys)| {
            let keys: serde_json::Map<String, serde_json::Value> = keys
                .iter()
                .map(|(k, v)| (k.clone(), one_or_many(&v.0)))
                .collect();
            (op.clone(), keys.into())
        })
        .collect();
    let mut st = serde_json::json!({
        "Sid": "AllowDeepLakeThroughS3",
        "Effect": "Allow",
        "Principal": {"AWS": g.arn},
        "Action": actions,
        "Resource": "*",
    });
    if !condition.is_empty() {
        st["Condition"] = condition.into();
    }
    st
}

/// How to add [`key_statement`] to the key policy of `key`, with the statement itself.
fn key_fix(g: &Grantee, key: &str, actions: &[&str], when: &Conditions) -> String {
    let statement = key_statement(g, actions, when);
    let json = serde_json::to_string_pretty(&statement).expect("a statement always serialises");
    let region = key.split(':').nth(3).unwrap_or_default();
    // In the role's own account the key id is enough (and short); another account's key
    // needs its ARN.
    let own = super::arn_account(key) == super::arn_account(g.arn);
    let id = match own {
        true => key.rsplit('/').next().unwrap_or(key),
        false => key,
    };
    let args = format!("--region {region} --key-id {id} --policy-name default");
    format!(
        "add this statement to the key policy (`aws kms get-key-policy {args} --query Policy \
         --output text > key-policy.json`, add it to the Statement list, then `aws kms \
         put-key-policy {args} --policy file://key-policy.json`):\n{json}"
    )
}

fn key_policy(
    g: &Grantee,
    key: &str,
    actions: &[&str],
    when: &Conditions,
    read: &Read<PolicyDocument>,
) -> Finding {
    let name = format!("key policy of {key}");
    let fix = key_fix(g, key, actions, when);
    let key_account = super::arn_account(key).unwrap_or_default();
    let foreign = key_account != super::arn_account(g.arn).unwrap_or_default();
    let doc = match read {
        Ok(doc) => doc,
        Err(why) if foreign => {
            let detail = format!(
                "the key is in account {key_account}: its key policy must let {} use it, and \
                 it could not be read ({why})",
                g.the
            );
            return Finding::new(Layer::KeyPolicy, name, Verdict::Warn, detail, fix).headline(
                format!("the key is in account {key_account}: its key policy must name the role"),
            );
        }
        Err(why) => {
            let detail = format!(
                "could not be read ({why}); whether it lets {} use the key was not checked",
                g.the
            );
            let fix = format!(
                "let the caller call kms:GetKeyPolicy on the key, or make sure the key policy \
                 delegates to IAM or names {}; to name it, {fix}",
                g.the
            );
            return Finding::new(Layer::KeyPolicy, name, Verdict::Warn, detail, fix)
                .headline("could not be read");
        }
    };
    let ctx = request_context(g.arn, when);
    let named = [Named {
        name: "the key policy",
        document: doc,
    }];
    let (mut denied, mut unsure, mut missing) = (Vec::new(), Vec::new(), Vec::new());
    for action in actions {
        let req = Request {
            action,
            resource: Some(key),
            principal: Some(g.arn),
            context: &ctx,
        };
        let result = eval::evaluate(&named, &req);
        let uncounted = result.notes.iter().find(|n| n.contains("does not count"));
        match (result.decision, uncounted) {
            (Decision::Allowed(_), _) => {}
            (Decision::Denied(by), _) => denied.push(format!("{action} is denied by {by}")),
            (Decision::NotAllowed, Some(note)) => {
                unsure.push(format!("{action} may not be allowed ({note})"))
            }
            (Decision::NotAllowed, None) => missing.push(*action),
        }
    }
    let verdict = match (denied.is_empty() && missing.is_empty(), unsure.is_empty()) {
        (true, true) => {
            let detail = format!("lets {} use the key ({})", g.the, actions.join(", "));
            return Finding::new(Layer::KeyPolicy, name, Verdict::Ok, detail, fix);
        }
        (true, false) => Verdict::Warn,
        (false, _) => Verdict::Fail,
    };
    let mut lines = denied;
    if !missing.is_empty() {
        lines.push(format!(
            "it does not let {} use {}: it neither delegates to IAM (an Allow for \
             arn:aws:iam::{key_account}:root) nor names the role, so the role's own grant of the \
             key does not count",
            g.the,
            missing.join(", ")
        ));
    }
    lines.extend(unsure);
    let short = match verdict {
        Verdict::Fail => format!("{} cannot use the key", g.the),
        _ => format!("{} may not be able to use the key", g.the),
    };
    Finding::new(Layer::KeyPolicy, name, verdict, lines.join("; "), fix).headline(short)
}

/// Whether an S3 resource ARN is the bucket or inside it.
fn in_bucket(resource: &str, bucket: &str) -> bool {
    let Some((_, path)) = resource.split_once(":s3:::") else {
        return false;
    };
    path == bucket
        || path
            .strip_prefix(bucket)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The bucket's policy: no Deny statement may apply to what `g` needs on the bucket.
pub fn bucket_policy(g: &Grantee, bucket: &str, read: &Read<Option<PolicyDocument>>) -> Finding {
    let name = format!("bucket policy of {bucket}");
    let at = |verdict, detail: String, fix: &str| {
        Finding::new(
            Layer::BucketPolicy,
            name.clone(),
            verdict,
            detail,
            fix.to_string(),
        )
    };
    let doc = match read {
        Ok(Some(doc)) => doc,
        Ok(None) => return at(Verdict::Ok, "the bucket has no policy".into(), ""),
        Err(why) => {
            return at(
                Verdict::Fail,
                why.clone(),
                "let the caller call s3:GetBucketPolicy",
            )
            .headline("could not be read")
        }
    };
    let (mut fails, mut warns, mut denying) = (Vec::new(), Vec::new(), Vec::<String>::new());
    for (action, resource, when) in grants(g.needs).filter(|(_, r, _)| in_bucket(r, bucket)) {
        let ctx = request_context(g.arn, when);
        for (i, st) in doc.statement.iter().enumerate() {
            let label = st.label(i, "the bucket policy");
            let item = |prefix: String| (prefix, resource.to_string(), action.to_string());
            let found = cover::deny_touches(st, action, resource, Some(g.arn), &ctx);
            if found != Truth::False {
                let sid = st.label(i, "").trim_end_matches(" of ").to_string();
                if !denying.contains(&sid) {
                    denying.push(sid);
                }
            }
            match found {
                Truth::True => fails.push(item(format!("{label} denies "))),
                Truth::Unknown(why) => warns.push(item(format!("{label} may deny ({why}) "))),
                Truth::False => {}
            }
        }
    }
    if fails.is_empty() && warns.is_empty() {
        return at(
            Verdict::Ok,
            format!("no Deny statement applies to {}", g.the),
            "",
        );
    }
    let verdict = match fails.is_empty() {
        true => Verdict::Warn,
        false => Verdict::Fail,
    };
    let mut lines = grouped(fails);
    lines.extend(grouped(warns));
    let fix = format!(
        "review those Deny statements; exempt {} if they would block it",
        g.the
    );
    let statements = denying.join(", ");
    let short = match verdict {
        Verdict::Fail => format!("{statements} denies {}", g.the),
        _ => format!("{statements} may deny {}", g.the),
    };
    at(verdict, lines.join("; "), &fix).headline(short)
}

/// The boundary must allow every grant: IAM gives a role only what both allow.
pub fn boundary(g: &Grantee, b: &Boundary) -> Finding {
    let name = "permissions boundary".to_string();
    let doc = match &b.document {
        Ok(doc) => doc,
        Err(why) => {
            let detail = format!(
                "{} could not be read ({why}); whether it allows what Deep Lake needs was not \
                 checked",
                b.arn
            );
            let fix = format!(
                "let the caller call iam:GetPolicy and iam:GetPolicyVersion on {}",
                b.arn
            );
            return Finding::new(Layer::Boundary, name, Verdict::Warn, detail, fix)
                .headline(format!("{} could not be read", b.arn));
        }
    };
    let (mut blocked, mut unsure) = (Vec::new(), Vec::new());
    for (action, resource, when) in grants(g.needs) {
        let item = || (String::new(), resource.to_string(), action.to_string());
        match bounded(doc, action, resource, when, &request_context(g.arn, when)) {
            Verdict::Ok => {}
            Verdict::Warn => unsure.push(item()),
            Verdict::Fail => blocked.push(item()),
        }
    }
    if blocked.is_empty() && unsure.is_empty() {
        let detail = format!("{} allows every action Deep Lake needs", b.arn);
        return Finding::new(Layer::Boundary, name, Verdict::Ok, detail, String::new());
    }
    let (verdict, items, how) = match blocked.is_empty() {
        false => (Verdict::Fail, blocked, "does not allow"),
        true => (
            Verdict::Warn,
            unsure,
            "may not allow (its conditions cannot be evaluated)",
        ),
    };
    let detail = format!("{} {how} {}", b.arn, grouped(items).join("; "));
    let fix = "use a permissions boundary that allows them (--permissions-boundary ARN), or ask \
               for less (--access read-only) if reading is all the boundary allows"
        .to_string();
    let short = format!("{} {how} what Deep Lake needs", b.arn);
    Finding::new(Layer::Boundary, name, verdict, detail, fix).headline(short)
}

/// Whether the boundary allows one grant: covered by an Allow and touched by no Deny.
fn bounded(
    doc: &PolicyDocument,
    action: &str,
    resource: &str,
    when: &Conditions,
    ctx: &Context,
) -> Verdict {
    let statements = &doc.statement;
    let denied = statements
        .iter()
        .map(|st| cover::deny_touches(st, action, resource, None, ctx))
        .fold(Verdict::Ok, |worst, t| match t {
            Truth::True => Verdict::Fail,
            Truth::Unknown(_) => worst.max(Verdict::Warn),
            Truth::False => worst,
        });
    let allowed = statements
        .iter()
        .map(|st| cover::allow_covers(st, action, resource, when))
        .fold(Verdict::Fail, |best, c| match c {
            Coverage::Covered => Verdict::Ok,
            Coverage::Unevaluable(_) => best.min(Verdict::Warn),
            Coverage::NotCovered => best,
        });
    denied.max(allowed)
}

/// A Requester Pays bucket refuses requests that do not say the requester pays.
pub fn requester_pays(bucket: &str, read: &Read<bool>) -> Option<Finding> {
    let name = format!("requester pays of {bucket}");
    let (detail, fix, short) = match read {
        Ok(false) => return None,
        Ok(true) => (
            format!(
                "bucket {bucket} is Requester Pays: S3 refuses every request that does not say \
                 the requester pays (x-amz-request-payer: requester)"
            ),
            format!(
                "tell Deep Lake the bucket is Requester Pays (its requests must send \
                 x-amz-request-payer), or let the owner pay: `aws s3api put-bucket-request-payment \
                 --bucket {bucket} --request-payment-configuration Payer=BucketOwner`"
            ),
            "Deep Lake must be told the requester pays",
        ),
        Err(why) => (
            format!("whether bucket {bucket} is Requester Pays could not be read ({why})"),
            "let the caller call s3:GetBucketRequestPayment".to_string(),
            "could not be read",
        ),
    };
    Some(Finding::new(Layer::RequesterPays, name, Verdict::Warn, detail, fix).headline(short))
}

#[cfg(test)]
mod tests;
