//! What a company's guardrails may require of the role — a permissions boundary, a path, tags,
//! a session length — set on create, reconciled on re-runs, read back from IAM.

use std::collections::BTreeMap;

use serde_json::json;

use crate::support::TestEnv;

const ROLE: &str = "guarded";

fn tags(env: &TestEnv) -> BTreeMap<String, String> {
    env.role_tags(ROLE).into_iter().collect()
}

fn boundary(env: &TestEnv) -> Option<String> {
    env.role(ROLE)
        .permissions_boundary()
        .and_then(|b| b.permissions_boundary_arn())
        .map(str::to_owned)
}

#[test]
fn guardrails_are_set_then_reconciled() {
    let env = TestEnv::new();
    env.create_bucket("guarded-data");
    let allow_s3 = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "s3:*", "Resource": "*"}]});
    let first = env.create_policy("boundary-one", &allow_s3);
    let second = env.create_policy("boundary-two", &allow_s3);
    let base = [
        "create",
        "--role-name",
        ROLE,
        "--bucket",
        "guarded-data",
        "--yes",
    ];
    let run = env.run(
        &[
            &base[..],
            &[
                "--path",
                "/deeplake/",
                "--permissions-boundary",
                &first,
                "--tag",
                "team=data",
                "--tag",
                "env=prod",
                "--max-session-duration",
                "12h",
            ],
        ]
        .concat(),
    );
    run.ok();
    let arn = format!("arn:aws:iam::123456789012:role/deeplake/{ROLE}");
    assert_eq!(
        run.stdout,
        format!("{arn}\n"),
        "the printed ARN is the real one"
    );
    let role = env.role(ROLE);
    assert_eq!(role.arn(), arn);
    assert_eq!(role.path(), "/deeplake/");
    assert_eq!(role.max_session_duration(), Some(43200));
    assert_eq!(boundary(&env).as_deref(), Some(first.as_str()));
    let have = tags(&env);
    assert_eq!(have.get("team").map(String::as_str), Some("data"));
    assert_eq!(have.get("env").map(String::as_str), Some("prod"));
    assert_eq!(
        have.get("managed-by").map(String::as_str),
        Some("provision-role")
    );

    // Someone else's tag is not ours to remove.
    env.rt
        .block_on(
            env.iam
                .tag_role()
                .role_name(ROLE)
                .tags(
                    aws_sdk_iam::types::Tag::builder()
                        .key("owner")
                        .value("alice")
                        .build()
                        .unwrap(),
                )
                .send(),
        )
        .expect("TagRole");
    let again = env.run(
        &[
            &base[..],
            &[
                "--permissions-boundary",
                &second,
                "--tag",
                "team=ml",
                "--max-session-duration",
                "3600",
                "--output",
                "json",
            ],
        ]
        .concat(),
    );
    let out = again.ok().json();
    let role_changes: Vec<&serde_json::Value> = out["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["resource"] == format!("role/{ROLE}") && c["action"] == "update")
        .collect();
    assert!(!role_changes.is_empty(), "{out}");
    assert_eq!(env.role(ROLE).max_session_duration(), Some(3600));
    assert_eq!(boundary(&env).as_deref(), Some(second.as_str()));
    let have = tags(&env);
    assert_eq!(have.get("team").map(String::as_str), Some("ml"));
    assert!(
        !have.contains_key("env"),
        "a tag this tool set and no longer asked for is removed"
    );
    assert_eq!(have.get("owner").map(String::as_str), Some("alice"));

    // Nothing asked for: nothing changes (the tags stay too).
    let same = env.run(&[&base[..], &["--output", "json"]].concat());
    let out = same.ok().json();
    assert!(
        out["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["action"] == "unchanged"),
        "{out}"
    );

    assert_eq!(tags(&env).get("team").map(String::as_str), Some("ml"));

    // A role cannot move to another path.
    let moved = env.run(&[&base[..], &["--path", "/elsewhere/"]].concat());
    moved.code_is(1).stderr_has("IAM cannot move a role");
    assert_eq!(env.role(ROLE).path(), "/deeplake/");
}

/// The checks of a verify run, by name, as `(level, detail)`.
fn checks(out: &serde_json::Value) -> BTreeMap<String, (String, String)> {
    out["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            let text = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            (text("name"), (text("level"), text("detail")))
        })
        .collect()
}

#[test]
fn verify_catches_a_removed_boundary_and_its_fix_restores_it() {
    let env = TestEnv::new();
    env.create_bucket("guarded-logs");
    let allow_s3 = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "s3:*", "Resource": "*"}]});
    let limit = env.create_policy("boundary", &allow_s3);
    let rails = [
        "--permissions-boundary",
        &limit,
        "--tag",
        "team=data",
        "--max-session-duration",
        "2h",
    ];
    let named = ["--role-name", ROLE, "--bucket", "guarded-logs"];
    env.run(&[&["create", "--yes"][..], &named, &rails].concat())
        .ok();
    let verify = [&["verify", "--output", "json"][..], &named, &rails].concat();
    let out = env.run(&verify).ok().json();
    let have = checks(&out);
    for name in ["permissions boundary", "tags", "session length"] {
        assert_eq!(have[name].0, "ok", "{name}: {out}");
    }

    env.rt
        .block_on(
            env.iam
                .delete_role_permissions_boundary()
                .role_name(ROLE)
                .send(),
        )
        .expect("DeleteRolePermissionsBoundary");
    assert_eq!(boundary(&env), None);
    let failed = env.run(&verify);
    failed.code_is(1);
    let out = failed.json();
    let have = checks(&out);
    assert_eq!(have["permissions boundary"].0, "fail", "{out}");
    assert!(have["permissions boundary"]
        .1
        .contains("no permissions boundary"));
    assert_eq!(have["tags"].0, "ok");
    let fix = out["fix_command"]
        .as_str()
        .expect("a fix command")
        .to_string();
    assert!(
        fix.contains(&format!("--permissions-boundary {limit}")),
        "{fix}"
    );

    // The fix, run as printed, puts the boundary back and verify passes again.
    let words: Vec<&str> = fix.split(' ').skip(1).collect();
    env.run(&[&words[..], &["--yes"]].concat()).ok();
    assert_eq!(boundary(&env).as_deref(), Some(limit.as_str()));
    env.run(&verify).ok();

    // A path the role does not have fails, and says the role must be made again.
    let moved = [&verify[..], &["--path", "/elsewhere/"]].concat();
    let out = env.run(&moved).code_is(1).json();
    assert!(checks(&out)["path"].1.contains("not /elsewhere/"), "{out}");
}
