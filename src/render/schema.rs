//! The JSON Schema of every `--output json` document, generated from the report types, so the
//! schema and the output cannot drift apart. `provision-role schema` prints it.

use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde_json::{json, Map, Value};

use super::delete::DeleteOutput;
use super::keys::RotateReport;
use super::plan::PlanOutput;
use super::verify::VerifyOutput;
use super::ErrorReport;

/// Each command's output document, by the command names that print it.
fn documents() -> Vec<(&'static str, Value)> {
    // What the program writes, not what it would accept: `Option` fields are required (and
    // may be null), fields skipped when empty are not.
    fn one<T: JsonSchema>() -> Value {
        SchemaSettings::draft2020_12()
            .for_serialize()
            .into_generator()
            .into_root_schema_for::<T>()
            .to_value()
    }
    vec![
        ("plan", one::<PlanOutput>()),
        ("create", one::<PlanOutput>()),
        ("verify", one::<VerifyOutput>()),
        ("delete", one::<DeleteOutput>()),
        ("rotate-key", one::<RotateReport>()),
        ("error", one::<ErrorReport>()),
    ]
}

/// The schema of one command's output (`error` for the failure document), if it has one.
pub(crate) fn for_command(command: &str) -> Option<Value> {
    documents()
        .into_iter()
        .find(|(name, _)| *name == command)
        .map(|(_, schema)| schema)
}

/// One schema for every output: any of the per-command documents.
pub(crate) fn all() -> Value {
    let mut defs = Map::new();
    let mut any = Vec::new();
    for (name, mut schema) in documents() {
        if let Some(Value::Object(inner)) = schema.get_mut("$defs").map(Value::take) {
            defs.extend(inner);
        }
        if let Value::Object(map) = &mut schema {
            map.remove("$defs");
            map.remove("$schema");
        }
        let title = schema["title"].as_str().unwrap_or(name).to_string();
        if !defs.contains_key(&title) {
            defs.insert(title.clone(), schema);
            any.push(json!({"$ref": format!("#/$defs/{title}")}));
        }
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "provision-role --output json",
        "description": "Every document provision-role prints on stdout with --output json: \
                        one per run.",
        "anyOf": any,
        "$defs": defs,
    })
}
