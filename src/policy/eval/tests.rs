//! The evaluator against AWS's documented semantics. Most cases are the experiments of the
//! `iam-rs` evaluation (ids `P1`…`n1` as in its report), with the answer AWS documents, or —
//! where AWS would reject the document (unknown operator, partial-wildcard principal) or where
//! we choose to be conservative (policy variables) — the answer this tool needs.

use serde_json::{json, Value};

use super::*;

const ROLE: &str = "arn:aws:iam::123456789012:role/reader";
const BUCKET: &str = "arn:aws:s3:::my-bucket";
const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn doc(v: Value) -> PolicyDocument {
    serde_json::from_value(v).expect("a valid policy document")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Allow,
    Deny,
    None,
}

/// Evaluate one request against one document.
fn eval(
    policy: &PolicyDocument,
    principal: Option<&str>,
    action: &str,
    resource: Option<&str>,
    keys: &[(&str, &[&str])],
) -> Evaluation {
    let mut ctx = Context::closed();
    for (k, v) in keys {
        ctx = ctx.with(k, v);
    }
    let req = Request {
        action,
        resource,
        principal,
        context: &ctx,
    };
    evaluate(
        &[Named {
            name: "policy p",
            document: policy,
        }],
        &req,
    )
}

#[track_caller]
fn check(
    id: &str,
    policy: &PolicyDocument,
    principal: Option<&str>,
    action: &str,
    resource: Option<&str>,
    keys: &[(&str, &[&str])],
    want: Want,
) -> Evaluation {
    let got = eval(policy, principal, action, resource, keys);
    let kind = match got.decision {
        Decision::Allowed(_) => Want::Allow,
        Decision::Denied(_) => Want::Deny,
        Decision::NotAllowed => Want::None,
    };
    assert_eq!(kind, want, "{id}: {got:?}");
    got
}

#[test]
fn parsing_and_not_elements() {
    let p = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "AllowAnyone", "Effect": "Allow", "Principal": "*",
         "NotAction": ["iam:*", "sts:*"], "NotResource": "arn:aws:s3:::secret/*"},
        {"Sid": "DenyAllButAdmin", "Effect": "Deny",
         "NotPrincipal": {"AWS": ["arn:aws:iam::123456789012:role/admin", "123456789012"]},
         "Action": "s3:DeleteBucket", "Resource": "*"}]}));
    assert_eq!(p.statement[0].principal, Some(Principal::Any));
    let eve = "arn:aws:iam::999999999999:user/eve";
    let x = Some("arn:aws:s3:::my-bucket/x");
    check("P2", &p, Some(eve), "s3:GetObject", x, &[], Want::Allow);
    let user = Some("arn:aws:iam::123456789012:user/x");
    check(
        "P3",
        &p,
        Some(ROLE),
        "iam:CreateUser",
        user,
        &[],
        Want::None,
    );
    let secret = Some("arn:aws:s3:::secret/x");
    check(
        "P4",
        &p,
        Some(ROLE),
        "s3:GetObject",
        secret,
        &[],
        Want::None,
    );
    let admin = "arn:aws:iam::123456789012:role/admin";
    // The account id in NotPrincipal covers every principal of the account: none is denied.
    check(
        "P5",
        &p,
        Some(admin),
        "s3:DeleteBucket",
        Some(BUCKET),
        &[],
        Want::Allow,
    );
    check(
        "P6",
        &p,
        Some(eve),
        "s3:DeleteBucket",
        Some(BUCKET),
        &[],
        Want::Deny,
    );

    let multi = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole",
         "Principal": {"AWS": "arn:aws:iam::123456789012:root", "Service": "ec2.amazonaws.com"}}]}));
    let ec2 = Some("ec2.amazonaws.com");
    check("P7", &multi, ec2, "sts:AssumeRole", None, &[], Want::Allow);
    let lambda = Some("lambda.amazonaws.com");
    check(
        "P7b",
        &multi,
        lambda,
        "sts:AssumeRole",
        None,
        &[],
        Want::None,
    );
    let no_version =
        doc(json!({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}));
    assert_eq!(no_version.version, "2008-10-17");
    check("P8", &no_version, None, "s3:GetObject", x, &[], Want::Allow);
}

#[test]
fn prefix_and_via_service_conditions() {
    let list = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "ListData", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET,
         "Condition": {"StringLike": {"s3:prefix": ["data/", "data/*"]}}}]}));
    let b = Some(BUCKET);
    let got = check(
        "a1",
        &list,
        None,
        "s3:ListBucket",
        b,
        &[("s3:prefix", &["data/x"])],
        Want::Allow,
    );
    assert_eq!(
        got.decision,
        Decision::Allowed("statement \"ListData\" of policy p".into())
    );
    check(
        "a2",
        &list,
        None,
        "s3:ListBucket",
        b,
        &[("s3:prefix", &["data/"])],
        Want::Allow,
    );
    check(
        "a3",
        &list,
        None,
        "s3:ListBucket",
        b,
        &[("s3:prefix", &["other/"])],
        Want::None,
    );
    check("a4", &list, None, "s3:ListBucket", b, &[], Want::None);
    check(
        "a5",
        &list,
        None,
        "s3:ListBucket",
        b,
        &[("S3:Prefix", &["data/x"])],
        Want::Allow,
    );

    let kms = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "DecryptViaS3", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY,
         "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}}]}));
    let k = Some(KEY);
    let via = |s: &'static str| -> [(&'static str, &'static [&'static str]); 1] {
        [("kms:ViaService", Box::leak(Box::new([s])))]
    };
    check(
        "b1",
        &kms,
        None,
        "kms:Decrypt",
        k,
        &via("s3.us-east-1.amazonaws.com"),
        Want::Allow,
    );
    check(
        "b2",
        &kms,
        None,
        "kms:Decrypt",
        k,
        &via("s3.us-west-2.amazonaws.com"),
        Want::None,
    );
    check("b3", &kms, None, "kms:Decrypt", k, &[], Want::None);
}

#[test]
fn set_operators() {
    let any = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:PutObjectTagging", "Resource": "arn:aws:s3:::my-bucket/*",
         "Condition": {"ForAnyValue:StringLike": {"aws:TagKeys": ["team/*", "env"]}}}]});
    let with = |op: &str| {
        let text = any.to_string().replace("ForAnyValue:StringLike", op);
        doc(serde_json::from_str(&text).unwrap())
    };
    let (a, o) = ("s3:PutObjectTagging", Some("arn:aws:s3:::my-bucket/o"));
    let p = with("ForAnyValue:StringLike");
    check(
        "c1",
        &p,
        None,
        a,
        o,
        &[("aws:TagKeys", &["x", "team/a"])],
        Want::Allow,
    );
    check(
        "c2",
        &p,
        None,
        a,
        o,
        &[("aws:TagKeys", &["x", "y"])],
        Want::None,
    );
    check("c3", &p, None, a, o, &[], Want::None);
    let all = with("ForAllValues:StringLike");
    check("c4", &all, None, a, o, &[], Want::Allow);
    check(
        "c5",
        &all,
        None,
        a,
        o,
        &[("aws:TagKeys", &["team/a", "x"])],
        Want::None,
    );
    check(
        "c5b",
        &all,
        None,
        a,
        o,
        &[("aws:TagKeys", &["team/a", "env"])],
        Want::Allow,
    );
    let if_exists = with("ForAnyValue:StringLikeIfExists");
    check(
        "c6",
        &if_exists,
        None,
        a,
        o,
        &[("aws:TagKeys", &["team/a"])],
        Want::Allow,
    );
    check("c6b", &if_exists, None, a, o, &[], Want::Allow);
    // Numeric operators are not evaluated: the Allow does not count, and a note says so.
    let numeric = with("ForAnyValue:NumericEquals");
    let got = check(
        "c7",
        &numeric,
        None,
        a,
        o,
        &[("aws:TagKeys", &["1"])],
        Want::None,
    );
    assert!(
        got.notes[0].contains("ForAnyValue:NumericEquals is not evaluated")
            && got.notes[0].contains("does not count"),
        "{got:?}"
    );
    let not_all = with("ForAllValues:StringNotLike");
    check(
        "c8",
        &not_all,
        None,
        a,
        o,
        &[("aws:TagKeys", &["x", "y"])],
        Want::Allow,
    );
    check(
        "c8b",
        &not_all,
        None,
        a,
        o,
        &[("aws:TagKeys", &["x", "env"])],
        Want::None,
    );
}

#[test]
fn unknown_operators_void_an_allow_and_keep_a_deny() {
    let allow = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Ok", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {"Sid": "Weird", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
         "Condition": {"Foo": {"s3:prefix": "x"}}}]}));
    let o = Some("arn:aws:s3:::my-bucket/o");
    check("d1", &allow, None, "s3:GetObject", o, &[], Want::Allow);
    let got = check("d1b", &allow, None, "s3:PutObject", o, &[], Want::None);
    assert_eq!(
        got.notes,
        vec![
            "statement \"Weird\" of policy p: the condition operator Foo is not evaluated, \
              so this Allow does not count"
        ]
    );
    let deny = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Ok", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Sid": "Weird", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*",
         "Condition": {"Foo": {"s3:prefix": "x"}}}]}));
    let got = check("d2", &deny, None, "s3:DeleteObject", o, &[], Want::Deny);
    assert_eq!(
        got.decision,
        Decision::Denied("statement \"Weird\" of policy p".into())
    );
    assert!(got.notes[0].ends_with("so this Deny is counted"), "{got:?}");
    // A condition already false rules the statement out, unknown operator or not.
    let ruled_out = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:username": "bob"},
                       "NumericLessThan": {"aws:MultiFactorAuthAge": "oops"}}}]}));
    for _ in 0..50 {
        let got = check(
            "n1",
            &ruled_out,
            None,
            "s3:GetObject",
            o,
            &[("aws:username", &["alice"])],
            Want::Allow,
        );
        assert!(got.notes.is_empty(), "{got:?}");
    }
}

#[test]
fn deny_with_not_resource_and_wildcards() {
    let p = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "AllowS3", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Sid": "DenyOutsideBucket", "Effect": "Deny", "Action": "s3:*",
         "NotResource": [BUCKET, "arn:aws:s3:::my-bucket/*"]}]}));
    let other = Some("arn:aws:s3:::other-bucket/x");
    let got = check("e1", &p, None, "s3:GetObject", other, &[], Want::Deny);
    assert_eq!(
        got.decision,
        Decision::Denied("statement \"DenyOutsideBucket\" of policy p".into())
    );
    let mine = Some("arn:aws:s3:::my-bucket/x");
    let got = check("e2", &p, None, "s3:GetObject", mine, &[], Want::Allow);
    assert_eq!(
        got.decision,
        Decision::Allowed("statement \"AllowS3\" of policy p".into())
    );

    let get = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "S3:Get*", "Resource": "arn:aws:s3:::my-bucket/*"}]}));
    check("f1", &get, None, "s3:GetObject", mine, &[], Want::Allow);
    check(
        "f2",
        &get,
        None,
        "s3:getobjecttagging",
        mine,
        &[],
        Want::Allow,
    );
    check("f3", &get, None, "s3:PutObject", mine, &[], Want::None);
    let q = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:?etRole", "Resource": "*"}]}));
    check("f4", &q, None, "iam:GetRole", Some(ROLE), &[], Want::Allow);

    let file = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my-bucket/file?.txt"}]}));
    let r = |k: &str| format!("arn:aws:s3:::my-bucket/{k}");
    check(
        "g1",
        &file,
        None,
        "s3:GetObject",
        Some(&r("file1.txt")),
        &[],
        Want::Allow,
    );
    check(
        "g2",
        &file,
        None,
        "s3:GetObject",
        Some(&r("file12.txt")),
        &[],
        Want::None,
    );
    check(
        "g3",
        &file,
        None,
        "s3:GetObject",
        Some(&r("FILE1.txt")),
        &[],
        Want::None,
    );
    let region = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:us-east-?:123456789012:key/*"}]}));
    check(
        "g4",
        &region,
        None,
        "kms:Decrypt",
        Some(KEY),
        &[],
        Want::Allow,
    );
}

#[test]
fn arn_operators_match_part_by_part() {
    let p = |op: &str, pattern: &str| {
        doc(json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*",
             "Condition": {op: {"aws:SourceArn": pattern}}}]}))
    };
    let q = Some("arn:aws:sqs:us-east-1:123456789012:q");
    let topic_a: &[&str] = &["arn:aws:sns:us-east-1:123456789012:topic-a"];
    let src = [("aws:SourceArn", topic_a)];
    let pattern = "arn:aws:sns:us-east-1:123456789012:topic-*";
    check(
        "h1",
        &p("ArnEquals", pattern),
        None,
        "sqs:SendMessage",
        q,
        &src,
        Want::Allow,
    );
    check(
        "h2",
        &p("ArnLike", pattern),
        None,
        "sqs:SendMessage",
        q,
        &src,
        Want::Allow,
    );
    let spans: &[&str] = &["arn:aws:sns:us-east-1:999999999999:x:123456789012:topic"];
    let seg = p("ArnLike", "arn:aws:sns:*:123456789012:topic");
    check(
        "h3",
        &seg,
        None,
        "sqs:SendMessage",
        q,
        &[("aws:SourceArn", spans)],
        Want::None,
    );
    let not = p("ArnNotLike", pattern);
    check("h4", &not, None, "sqs:SendMessage", q, &src, Want::None);
    check("h5", &not, None, "sqs:SendMessage", q, &[], Want::Allow);
}

#[test]
fn bool_null_if_exists_and_negation() {
    let secure = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "AllowS3", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Sid": "DenyInsecure", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": false}}}]}));
    let x = Some("arn:aws:s3:::my-bucket/x");
    let tls = |v: &'static str| [("aws:SecureTransport", Box::leak(Box::new([v])) as &[&str])];
    check(
        "i1",
        &secure,
        None,
        "s3:GetObject",
        x,
        &tls("false"),
        Want::Deny,
    );
    check(
        "i2",
        &secure,
        None,
        "s3:GetObject",
        x,
        &tls("FALSE"),
        Want::Deny,
    );
    check(
        "i2b",
        &secure,
        None,
        "s3:GetObject",
        x,
        &tls("true"),
        Want::Allow,
    );

    let partner = "arn:aws:iam::123456789012:role/partner";
    let null = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": partner}, "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole",
         "Condition": {"Null": {"sts:ExternalId": "true"}}}]}));
    check(
        "i3",
        &null,
        Some(partner),
        "sts:AssumeRole",
        None,
        &[],
        Want::Deny,
    );
    let abc = [("sts:ExternalId", &["abc"] as &[&str])];
    check(
        "i4",
        &null,
        Some(partner),
        "sts:AssumeRole",
        None,
        &abc,
        Want::Allow,
    );

    let ne = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "blocked"},
                       "StringEqualsIfExists": {"aws:RequestedRegion": "us-east-1"}}}]}));
    check("i5", &ne, None, "s3:GetObject", x, &[], Want::Allow);
    let eu = [("aws:RequestedRegion", &["eu-west-1"] as &[&str])];
    check("i6", &ne, None, "s3:GetObject", x, &eu, Want::None);
    let blocked = [("aws:principaltag/TEAM", &["blocked"] as &[&str])];
    check("i7", &ne, None, "s3:GetObject", x, &blocked, Want::None);
    let ignore_case = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"StringEqualsIgnoreCase": {"aws:username": "Alice"}}}]}));
    let alice = [("aws:username", &["ALICE"] as &[&str])];
    check(
        "i8",
        &ignore_case,
        None,
        "s3:GetObject",
        x,
        &alice,
        Want::Allow,
    );
}

#[test]
fn trust_principals() {
    let trust = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::597713067985:root"},
         "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "ext-123"}}}]}));
    let ok: &[(&str, &[&str])] = &[("sts:ExternalId", &["ext-123"])];
    let root = Some("arn:aws:iam::597713067985:root");
    let got = check("j1", &trust, root, "sts:AssumeRole", None, ok, Want::Allow);
    assert!(got.notes.is_empty());
    let nope: &[(&str, &[&str])] = &[("sts:ExternalId", &["nope"])];
    check("j3", &trust, root, "sts:AssumeRole", None, nope, Want::None);
    let worker = Some("arn:aws:iam::597713067985:role/worker");
    check(
        "j4",
        &trust,
        worker,
        "sts:AssumeRole",
        None,
        ok,
        Want::Allow,
    );
    let session = Some("arn:aws:sts::597713067985:assumed-role/worker/sess");
    check(
        "j5",
        &trust,
        session,
        "sts:AssumeRole",
        None,
        ok,
        Want::Allow,
    );
    check(
        "j6",
        &trust,
        Some("AROAEXAMPLEID"),
        "sts:AssumeRole",
        None,
        ok,
        Want::None,
    );
    let other = Some("arn:aws:iam::111122223333:role/worker");
    check("j6b", &trust, other, "sts:AssumeRole", None, ok, Want::None);

    let provider = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
    let oidc = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Federated": provider},
         "Action": "sts:AssumeRoleWithWebIdentity"}]}));
    let evil = format!("{provider}.evil.example");
    let a = "sts:AssumeRoleWithWebIdentity";
    check("j7", &oidc, Some(&evil), a, None, &[], Want::None);
    check("j7b", &oidc, Some(provider), a, None, &[], Want::Allow);

    let star = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::my-bucket/*"}]}));
    let x = Some("arn:aws:s3:::my-bucket/x");
    let someone = Some("arn:aws:iam::999999999999:user/x");
    check("j8", &star, someone, "s3:GetObject", x, &[], Want::Allow);

    let wild = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/*"},
         "Action": "sts:AssumeRole"}]}));
    let anything = Some("arn:aws:iam::123456789012:role/anything");
    let got = check(
        "j9",
        &wild,
        anything,
        "sts:AssumeRole",
        None,
        &[],
        Want::None,
    );
    assert!(got.notes[0].contains("partial wildcard"), "{got:?}");
}

#[test]
fn policy_variables_and_odd_values_are_handled_one_statement_at_a_time() {
    let var_cond = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET,
         "Condition": {"StringLike": {"s3:prefix": ["home/${aws:username}/*"]}}}]}));
    let keys: &[(&str, &[&str])] = &[
        ("aws:username", &["alice"]),
        ("s3:prefix", &["home/alice/x"]),
    ];
    let got = check(
        "k1",
        &var_cond,
        None,
        "s3:ListBucket",
        Some(BUCKET),
        keys,
        Want::None,
    );
    assert!(got.notes[0].contains("policy variable"), "{got:?}");
    let var_res = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my-bucket/home/${aws:username}/*"}]}));
    let home = Some("arn:aws:s3:::my-bucket/home/alice/x");
    let got = check("k2", &var_res, None, "s3:GetObject", home, &[], Want::None);
    assert!(got.notes[0].contains("policy variable"), "{got:?}");
    let bad_then_deny = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "BadAllow", "Effect": "Allow", "Action": "s3:*", "Resource": "*",
         "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "not-a-number"}}},
        {"Sid": "Deny", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]}));
    let x = Some("arn:aws:s3:::my-bucket/x");
    check(
        "k3",
        &bad_then_deny,
        None,
        "s3:DeleteObject",
        x,
        &[],
        Want::Deny,
    );
    let bad_res = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Odd", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "my-bucket/*"},
        {"Sid": "Deny", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}]}));
    check("k4", &bad_res, None, "s3:GetObject", x, &[], Want::Deny);
}

#[test]
fn an_open_context_leaves_unnamed_keys_unknown() {
    let p = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}]}));
    let ctx = Context::open().with("aws:SecureTransport", &["true"]);
    let req = |i: usize| {
        applies(
            &p.statement[i],
            &Request {
                action: "s3:GetObject",
                resource: Some("arn:aws:s3:::b/x"),
                principal: None,
                context: &ctx,
            },
        )
    };
    assert_eq!(req(0), Truth::False);
    assert_eq!(
        req(1),
        Truth::Unknown("the value of aws:SourceVpce is not known".into())
    );
}

#[test]
fn account_principals() {
    assert_eq!(account_principal("123456789012"), Some("123456789012"));
    assert_eq!(
        account_principal("arn:aws:iam::123456789012:root"),
        Some("123456789012")
    );
    assert_eq!(
        account_principal("arn:aws:iam::123456789012:role/root"),
        None
    );
    assert_eq!(account_principal("12345"), None);
    assert!(arn_like("arn:aws:s3:::*", "arn:aws:s3:::b"));
    assert!(!arn_like("arn:aws:s3:::b", "arn:aws:s3:::b:extra"));
}

#[test]
fn unevaluable_names_the_operator_or_variable() {
    let c = |v: Value| -> Conditions { serde_json::from_value(v).unwrap() };
    assert_eq!(
        unevaluable(&c(json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))),
        Some("the condition operator IpAddress is not evaluated".into())
    );
    assert_eq!(
        unevaluable(&c(
            json!({"StringLike": {"s3:prefix": "${aws:username}/*"}})
        )),
        Some("the condition on s3:prefix has a policy variable".into())
    );
    assert_eq!(
        unevaluable(&c(
            json!({"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}})
        )),
        None
    );
    assert!(Operator::parse("NullIfExists").is_none());
    assert!(Operator::parse("ForAnyValue:Null").is_none());
}
