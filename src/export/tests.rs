use serde_json::json;

use super::*;
use crate::plan::{self, Access, Facts, Guardrails, KmsChoice, Request, Trust};

fn req(buckets: usize, external_id: Option<&str>) -> Request {
    let scopes = (0..buckets)
        .map(|i| crate::cli::values::bucket_scope(&format!("bucket-number-{i:04}")).unwrap())
        .collect();
    Request {
        holder: plan::HolderSpec::Role(plan::RoleSpec {
            name: "r".into(),
            description: "d".into(),
            trust: Trust::Production,
            external_id: external_id.map(str::to_string),
        }),
        buckets: plan::request::normalize_scopes(scopes).0,
        policy_name: "r-s3-access".into(),
        access: Access::ReadWrite,
        kms: KmsChoice::auto(),
        adopt: false,
        prune: false,
        cors: None,
        guardrails: Guardrails {
            path: Some("/deeplake/".into()),
            permissions_boundary: Some("arn:aws:iam::123456789012:policy/boundary".into()),
            tags: vec![("team".into(), "data".into())],
            max_session_duration: Some(43200),
        },
    }
}

fn offline(req: &Request) -> Plan {
    plan::build(req, &Facts::offline()).unwrap()
}

#[test]
fn json_keeps_its_order_and_scalars() {
    let node = Node::from_json(&json!({"b": [1, true, null], "a": "x"}));
    assert_eq!(
        node,
        Node::map([
            (
                "b",
                Node::List(vec![Node::raw("1"), Node::raw("true"), Node::raw("null")])
            ),
            ("a", Node::str("x")),
        ])
    );
}

#[test]
fn trust_takes_the_external_id_from_the_reference_and_nothing_else() {
    let plan = offline(&req(1, Some("xid-1")));
    let text = format!("{:?}", trust(plan.role().unwrap(), "REF"));
    let expected = format!("{:?}", document(&plan.role().unwrap().trust));
    assert_eq!(text, expected.replace("Str(\"xid-1\")", "Raw(\"REF\")"));
    assert_ne!(text, expected);
    // Without an external ID the trust is the plan's document, unchanged.
    let plan = offline(&req(1, None));
    assert_eq!(
        trust(plan.role().unwrap(), "REF"),
        document(&plan.role().unwrap().trust)
    );
}

#[test]
fn role_tags_are_ours_first_then_the_flags_then_their_list() {
    let plan = offline(&req(1, None));
    assert_eq!(
        role_tags(&plan),
        vec![
            ("managed-by".to_string(), "provision-role".to_string()),
            ("team".to_string(), "data".to_string()),
            ("provision-role:tags".to_string(), "dGVhbQ==".to_string())
        ]
    );
}

#[test]
fn customer_boundaries_are_named_in_the_deploying_account() {
    assert_eq!(
        account_relative_boundary("arn:aws:iam::123456789012:policy/a/b"),
        Some(("aws", "policy/a/b"))
    );
    assert_eq!(
        account_relative_boundary("arn:aws-cn:iam::123456789012:policy/b"),
        Some(("aws-cn", "policy/b"))
    );
    assert_eq!(
        account_relative_boundary("arn:aws:iam::aws:policy/PowerUserAccess"),
        None
    );
    let mut request = req(1, None);
    request.guardrails.permissions_boundary =
        Some("arn:aws:iam::aws:policy/PowerUserAccess".into());
    let plan = offline(&request);
    let hcl = terraform::render(&plan, plan.role().unwrap());
    assert!(!hcl.contains("aws_caller_identity"), "{hcl}");
    assert!(hcl.contains("  permissions_boundary = \"arn:aws:iam::aws:policy/PowerUserAccess\"\n"));
    let yaml = cloudformation::render(&plan, plan.role().unwrap());
    assert!(
        yaml.contains("      PermissionsBoundary: \"arn:aws:iam::aws:policy/PowerUserAccess\"\n")
    );
}

#[test]
fn yaml_strings_survive_any_reader() {
    assert_eq!(
        cloudformation::quote("a\"b\\c d\u{2028}é\u{1F680}\n"),
        r#""a\"b\\c d\u2028\u00E9\U0001F680\u000A""#
    );
}

#[test]
fn hcl_strings_never_interpolate() {
    assert_eq!(
        terraform::quote("a\"b\\c ${x} %{if} $${y} é\n"),
        r#""a\"b\\c $${x} %%{if} $$${y} é\n""#
    );
}

#[test]
fn cloudformation_has_every_policy_attached_through_roles() {
    let plan = offline(&req(300, Some("xid-1")));
    assert!(plan.policies.len() > 1, "300 buckets need several policies");
    let yaml = cloudformation::render(&plan, plan.role().unwrap());
    assert_eq!(
        yaml,
        cloudformation::render(&plan, plan.role().unwrap()),
        "byte-identical"
    );
    for (i, policy) in plan.policies.iter().enumerate() {
        let head = format!(
            "  {}:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      ManagedPolicyName: \"{}\"\n",
            cloudformation::policy_id(i),
            policy.name
        );
        assert!(yaml.contains(&head), "{head}");
    }
    let attached = yaml.matches("      Roles:\n        - !Ref Role\n").count();
    assert_eq!(attached, plan.policies.len());
    assert_eq!(yaml.matches("Tags:").count(), 1, "only the role has tags");
    assert!(yaml.contains("\"sts:ExternalId\":\n                  - !Ref ExternalId\n"));
    assert_eq!(
        yaml.matches("xid-1").count(),
        1,
        "only the parameter's default"
    );
    assert!(yaml.contains("    Value: !GetAtt Role.Arn\n"));
    for line in [
        "      Path: \"/deeplake/\"\n",
        "      MaxSessionDuration: 43200\n",
        "      PermissionsBoundary: !Sub \"arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundary\"\n",
        "        - Key: \"managed-by\"\n          Value: \"provision-role\"\n",
        "        - Key: \"team\"\n          Value: \"data\"\n",
    ] {
        assert!(yaml.contains(line), "{line}");
    }
}

#[test]
fn cloudformation_without_external_id_or_guardrails_has_neither() {
    let mut request = req(1, None);
    request.guardrails = Guardrails::default();
    let yaml = cloudformation::render(&offline(&request), offline(&request).role().unwrap());
    for absent in [
        "Parameters",
        "ExternalId",
        "MaxSessionDuration",
        "PermissionsBoundary",
    ] {
        assert!(!yaml.contains(absent), "{absent}:\n{yaml}");
    }
    assert!(yaml.contains("      Path: \"/\"\n"));
}

#[test]
fn terraform_attaches_every_policy_and_uses_the_variable() {
    let plan = offline(&req(300, Some("xid-1")));
    let hcl = terraform::render(&plan, plan.role().unwrap());
    assert_eq!(
        hcl,
        terraform::render(&plan, plan.role().unwrap()),
        "byte-identical"
    );
    for (i, policy) in plan.policies.iter().enumerate() {
        let label = terraform::policy_label(i);
        assert!(hcl.contains(&format!(
            "resource \"aws_iam_policy\" \"{label}\" {{\n  name        = \"{}\"\n",
            policy.name
        )));
        assert!(hcl.contains(&format!(
            "resource \"aws_iam_role_policy_attachment\" \"{label}\" {{\n  role       = \
             aws_iam_role.role.name\n  policy_arn = aws_iam_policy.{label}.arn\n}}\n"
        )));
    }
    assert!(hcl.contains("\"sts:ExternalId\" = [var.external_id]"));
    assert_eq!(
        hcl.matches("xid-1").count(),
        1,
        "only the variable's default"
    );
    assert!(hcl.contains("  max_session_duration = 43200\n"));
    assert!(hcl.contains(
        "\ndata \"aws_caller_identity\" \"current\" {}\n\n\
         resource \"aws_iam_role\" \"role\" {\n"
    ));
    assert!(hcl.contains(
        "  permissions_boundary = \"arn:aws:iam::\
         ${data.aws_caller_identity.current.account_id}:policy/boundary\"\n"
    ));
    assert!(hcl.contains("output \"role_arn\" {"));
}
