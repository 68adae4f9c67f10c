use serde_json::{json, Value};

use super::*;

const ROLE: &str = "arn:aws:iam::123456789012:role/deeplake";
const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/k1";
const FOREIGN_KEY: &str = "arn:aws:kms:us-east-1:999999999999:key/k2";

fn doc(v: Value) -> PolicyDocument {
    serde_json::from_value(v).unwrap()
}

/// What `create` writes for read-write access to bucket `bkt` and the keys.
fn needs(keys: &[&str]) -> Vec<Statement> {
    let scope = crate::plan::BucketScope {
        bucket: "bkt".into(),
        prefix: None,
    };
    let keys = keys.iter().map(|k| k.to_string()).collect();
    crate::plan::permission_document(crate::plan::Access::ReadWrite, "aws", &[scope], &keys)
        .statement
}

fn grantee(needs: &[Statement]) -> Grantee<'_> {
    Grantee {
        arn: ROLE,
        the: "the role",
        needs,
    }
}

fn key_layers(key: &str, policy: Read<PolicyDocument>) -> Layers {
    Layers {
        key_policies: BTreeMap::from([(key.to_string(), policy)]),
        ..Layers::default()
    }
}

fn one(findings: Vec<Finding>) -> Finding {
    assert_eq!(findings.len(), 1, "{findings:#?}");
    findings.into_iter().next().unwrap()
}

/// The statement a finding's fix says to add (the JSON after the first `{`).
fn statement_in(fix: &str) -> Value {
    serde_json::from_str(&fix[fix.find('{').unwrap()..]).unwrap()
}

fn root_delegation() -> Value {
    json!({"Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"})
}

#[test]
fn a_key_policy_that_delegates_to_iam_lets_the_role_in() {
    let needs = needs(&[KEY]);
    let policy = doc(json!({"Version": "2012-10-17", "Statement": [root_delegation()]}));
    let f = one(key_policies(&grantee(&needs), &key_layers(KEY, Ok(policy))));
    assert_eq!(f.verdict, Verdict::Ok, "{f:#?}");
    assert_eq!(f.fix, None);
}

#[test]
fn a_key_policy_for_others_only_fails_and_its_fix_makes_it_pass() {
    let needs = needs(&[KEY]);
    let admin = json!({"Sid": "Admins", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:role/admin"}, "Action": "kms:*",
        "Resource": "*"});
    let policy = doc(json!({"Version": "2012-10-17", "Statement": [admin.clone()]}));
    let f = one(key_policies(&grantee(&needs), &key_layers(KEY, Ok(policy))));
    assert_eq!(f.verdict, Verdict::Fail);
    assert_eq!(f.name, format!("key policy of {KEY}"));
    assert!(
        f.detail.starts_with("it does not let the role use kms:Decrypt, kms:GenerateDataKey: it neither delegates to IAM"),
        "{}",
        f.detail
    );
    let fix = f.fix.unwrap();
    assert!(
        fix.contains("aws kms put-key-policy --region us-east-1 --key-id"),
        "{fix}"
    );
    let added = statement_in(&fix);
    assert_eq!(
        added,
        json!({"Sid": "AllowDeepLakeThroughS3", "Effect": "Allow", "Principal": {"AWS": ROLE},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}})
    );
    let fixed = doc(json!({"Version": "2012-10-17", "Statement": [admin, added]}));
    let f = one(key_policies(&grantee(&needs), &key_layers(KEY, Ok(fixed))));
    assert_eq!(f.verdict, Verdict::Ok, "{f:#?}");
}

#[test]
fn a_key_policy_deny_fails_naming_the_statement() {
    let needs = needs(&[KEY]);
    let deny = json!({"Sid": "NoS3", "Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt",
        "Resource": "*"});
    let policy = doc(json!({"Version": "2012-10-17", "Statement": [root_delegation(), deny]}));
    let f = one(key_policies(&grantee(&needs), &key_layers(KEY, Ok(policy))));
    assert_eq!(f.verdict, Verdict::Fail);
    assert!(f
        .detail
        .contains("kms:Decrypt is denied by statement \"NoS3\" of the key policy"));
}

#[test]
fn an_unreadable_key_policy_is_a_warning() {
    let needs = needs(&[KEY, FOREIGN_KEY]);
    let mut layers = key_layers(
        KEY,
        Err("kms:GetKeyPolicy on key k1 failed: AccessDenied".into()),
    );
    layers
        .key_policies
        .insert(FOREIGN_KEY.into(), Err("AccessDenied".into()));
    let found = key_policies(&grantee(&needs), &layers);
    assert_eq!(found.len(), 2);
    assert!(
        found.iter().all(|f| f.verdict == Verdict::Warn),
        "{found:#?}"
    );
    let own = found.iter().find(|f| f.name.ends_with("k1")).unwrap();
    assert!(own
        .fix
        .as_ref()
        .unwrap()
        .starts_with("let the caller call kms:GetKeyPolicy"));
    let foreign = found.iter().find(|f| f.name.ends_with("k2")).unwrap();
    assert!(foreign.detail.starts_with(
        "the key is in account 999999999999: its key policy must let the role use it"
    ));
    assert!(statement_in(foreign.fix.as_ref().unwrap())["Principal"]["AWS"] == ROLE);
}

#[test]
fn a_key_not_read_is_not_judged() {
    let needs = needs(&[KEY]);
    assert!(key_policies(&grantee(&needs), &Layers::default()).is_empty());
}

#[test]
fn a_boundary_must_allow_every_grant() {
    let needs = needs(&[]);
    let boundary = |statements: Value| Boundary {
        arn: "arn:aws:iam::123456789012:policy/cap".into(),
        document: Ok(doc(
            json!({"Version": "2012-10-17", "Statement": statements}),
        )),
    };
    let get_only =
        boundary(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]));
    let f = boundary_of(&needs, &get_only);
    assert_eq!(f.verdict, Verdict::Fail);
    assert!(f.detail.starts_with("arn:aws:iam::123456789012:policy/cap does not allow s3:GetBucketLocation, s3:ListBucket on arn:aws:s3:::bkt;"), "{}", f.detail);
    assert!(
        f.detail.ends_with(
            "s3:AbortMultipartUpload, s3:DeleteObject, s3:PutObject on arn:aws:s3:::bkt/*"
        ),
        "{}",
        f.detail
    );
    assert!(!f.detail.contains("s3:GetObject,"), "{}", f.detail);
    let s3 = boundary(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]));
    assert_eq!(boundary_of(&needs, &s3).verdict, Verdict::Ok);
    let dated = boundary(
        json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
        "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}}]),
    );
    assert_eq!(boundary_of(&needs, &dated).verdict, Verdict::Warn);
    let denied = boundary(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]));
    let f = boundary_of(&needs, &denied);
    assert_eq!(f.verdict, Verdict::Fail);
    assert!(
        f.detail
            .ends_with("does not allow s3:DeleteObject on arn:aws:s3:::bkt/*"),
        "{}",
        f.detail
    );
    let unread = Boundary {
        arn: "arn:aws:iam::aws:policy/Missing".into(),
        document: Err("IAM holds no policy arn:aws:iam::aws:policy/Missing".into()),
    };
    assert_eq!(boundary_of(&needs, &unread).verdict, Verdict::Warn);
}

fn boundary_of(needs: &[Statement], b: &Boundary) -> Finding {
    boundary(&grantee(needs), b)
}

#[test]
fn a_vpc_endpoint_deny_certainly_applies_to_deep_lake() {
    let needs = needs(&[]);
    let policy = doc(
        json!({"Version": "2012-10-17", "Statement": [{"Sid": "VpceOnly",
        "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": ["arn:aws:s3:::bkt", "arn:aws:s3:::bkt/*"],
        "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}]}),
    );
    let f = bucket_policy(&grantee(&needs), "bkt", &Ok(Some(policy)));
    assert_eq!(f.verdict, Verdict::Fail);
    assert!(
        f.detail
            .starts_with("statement \"VpceOnly\" of the bucket policy denies s3:GetBucketLocation"),
        "{}",
        f.detail
    );
    let other = doc(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny",
        "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::other/*"}]}),
    );
    assert_eq!(
        bucket_policy(&grantee(&needs), "bkt", &Ok(Some(other))).verdict,
        Verdict::Ok
    );
    assert!(!in_bucket("arn:aws:s3:::bkt2/x", "bkt"));
    assert!(in_bucket("arn:aws:s3:::bkt/x", "bkt"));
}

#[test]
fn requester_pays_is_a_warning_and_off_says_nothing() {
    let on = requester_pays("bkt", &Ok(true)).unwrap();
    assert_eq!(on.verdict, Verdict::Warn);
    assert!(on
        .fix
        .unwrap()
        .contains("--bucket bkt --request-payment-configuration Payer=BucketOwner"));
    assert_eq!(requester_pays("bkt", &Ok(false)), None);
    let unread = requester_pays("bkt", &Err("AccessDenied".into())).unwrap();
    assert_eq!(
        unread.fix.as_deref(),
        Some("let the caller call s3:GetBucketRequestPayment")
    );
}
