//! Several specs, one generator: the Management API and Identity Governance
//! (and any later Okta spec) are read the same way and merged into one set
//! of operations, so one client and one tool table come out.
//!
//! Each spec keeps its own document (its `$ref`s resolve there). The only
//! thing the specs share is the operation key: an operationId used by two
//! specs (`getOrgSettings` is in both Management and Governance) would give
//! two tools one name and one dispatch arm. The rule: the first spec in
//! `openapi/spec.lock` keeps its ids; a later spec's operation whose id an
//! earlier spec already uses is keyed `<spec name><OperationId>`
//! (`governanceGetOrgSettings`, tool `governance_get_org_settings`). The
//! names depend only on the specs and their order, so they are stable
//! across builds. When the prefixed id is taken too, the build fails and
//! names both operations.

use std::collections::HashMap;

use heck::ToUpperCamelCase;
use serde_json::Value;

use crate::CodegenError;
use crate::operations::{Operation, Skipped, read_operations};
use crate::repair::RepairCounts;

/// One spec the generator reads.
#[derive(Debug, Clone, Copy)]
pub struct SpecInput<'a> {
    /// Its name in `openapi/spec.lock` (`management`, `governance`).
    pub name: &'a str,
    pub yaml: &'a [u8],
    /// Hand-written paths merged in first (see `openapi/overlay.yaml`).
    pub overlay: Option<&'a str>,
}

/// One spec, prepared: parsed, overlay merged, repaired, operations read.
#[derive(Debug, Clone)]
pub struct Api {
    pub name: String,
    /// `info.version` of the spec.
    pub version: String,
    pub spec: Value,
    pub ops: Vec<Operation>,
    pub skipped: Vec<Skipped>,
    pub repairs: RepairCounts,
}

/// An operation keyed apart from its operationId, for the build report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rekeyed {
    pub api: String,
    pub spec_id: String,
    pub id: String,
    /// The spec that kept the operationId.
    pub kept_by: String,
}

/// Prepares every spec and gives each operation its key.
pub fn prepare_apis(inputs: &[SpecInput]) -> Result<(Vec<Api>, Vec<Rekeyed>), CodegenError> {
    if inputs.is_empty() {
        return Err(CodegenError::Spec {
            message: "no spec to build from: openapi/spec.lock lists none".into(),
        });
    }
    let mut apis = Vec::new();
    for input in inputs {
        if apis.iter().any(|a: &Api| a.name == input.name) {
            return Err(CodegenError::Spec {
                message: format!("two specs are named `{}`", input.name),
            });
        }
        let (spec, repairs) = crate::prepare_spec(input.yaml, input.overlay)?;
        let (mut ops, skipped) = read_operations(&spec)?;
        for op in &mut ops {
            op.api = input.name.to_owned();
        }
        let version = spec
            .pointer("/info/version")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_owned();
        apis.push(Api {
            name: input.name.to_owned(),
            version,
            spec,
            ops,
            skipped,
            repairs,
        });
    }
    let rekeyed = key_operations(&mut apis)?;
    Ok((apis, rekeyed))
}

fn describe(op: &Operation) -> String {
    format!("{} {} {} ({})", op.api, op.method, op.path, op.spec_id)
}

/// Applies the collision rule (see the module docs) in spec order.
pub fn key_operations(apis: &mut [Api]) -> Result<Vec<Rekeyed>, CodegenError> {
    // Every operationId as its spec writes it, with the first operation
    // that has it: a prefixed key must not be any spec's own operationId.
    let mut written: HashMap<String, String> = HashMap::new();
    for op in apis.iter().flat_map(|a| &a.ops) {
        written
            .entry(op.spec_id.clone())
            .or_insert_with(|| describe(op));
    }
    // The keys given so far: key -> (spec, the operation that has it).
    let mut taken: HashMap<String, (String, String)> = HashMap::new();
    let mut rekeyed = Vec::new();
    for api in apis.iter_mut() {
        for op in &mut api.ops {
            if let Some((kept_by, first)) = taken.get(&op.spec_id) {
                let key = format!("{}{}", api.name, op.spec_id.to_upper_camel_case());
                let holder = taken
                    .get(&key)
                    .map(|(_, d)| d)
                    .or_else(|| written.get(&key).filter(|d| **d != describe(op)));
                if let Some(holder) = holder {
                    return Err(CodegenError::OperationIdCollision {
                        first: first.clone(),
                        second: describe(op),
                        key,
                        holder: holder.clone(),
                    });
                }
                rekeyed.push(Rekeyed {
                    api: api.name.clone(),
                    spec_id: op.spec_id.clone(),
                    id: key.clone(),
                    kept_by: kept_by.clone(),
                });
                op.id = key;
            }
            taken.insert(op.id.clone(), (api.name.clone(), describe(op)));
        }
    }
    Ok(rekeyed)
}

/// Every operation of every spec, in spec order.
pub fn all_operations(apis: &[Api]) -> Vec<Operation> {
    apis.iter().flat_map(|a| a.ops.iter().cloned()).collect()
}

/// The document an operation's `$ref`s resolve in.
pub fn spec_of<'a>(apis: &'a [Api], op: &Operation) -> &'a Value {
    apis.iter()
        .find(|a| a.name == op.api)
        .map(|a| &a.spec)
        .unwrap_or(&apis[0].spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(ops: &[(&str, &str)]) -> String {
        let mut s = String::from("openapi: 3.0.3\ninfo: {title: t, version: '1'}\n");
        s.push_str(if ops.is_empty() {
            "paths: {}\n"
        } else {
            "paths:\n"
        });
        for (path, id) in ops {
            s.push_str(&format!(
                "  {path}:\n    get:\n      operationId: {id}\n      responses: {{'200': {{description: ok}}}}\n"
            ));
        }
        s
    }

    fn keys(specs: &[(&str, String)]) -> Result<Vec<(String, String)>, String> {
        let inputs: Vec<SpecInput> = specs
            .iter()
            .map(|(name, yaml)| SpecInput {
                name,
                yaml: yaml.as_bytes(),
                overlay: None,
            })
            .collect();
        prepare_apis(&inputs)
            .map(|(apis, _)| {
                all_operations(&apis)
                    .into_iter()
                    .map(|o| (o.api, o.id))
                    .collect()
            })
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_later_spec_prefixes_an_id_an_earlier_one_uses() {
        let got = keys(&[
            (
                "management",
                spec(&[
                    ("/api/v1/org", "getOrgSettings"),
                    ("/api/v1/users", "listUsers"),
                ]),
            ),
            (
                "governance",
                spec(&[
                    ("/governance/api/v1/settings", "getOrgSettings"),
                    ("/governance/api/v1/campaigns", "listCampaigns"),
                ]),
            ),
        ])
        .unwrap();
        let want = [
            ("management", "getOrgSettings"),
            ("management", "listUsers"),
            ("governance", "governanceGetOrgSettings"),
            ("governance", "listCampaigns"),
        ];
        assert_eq!(
            got,
            want.map(|(a, b)| (a.to_owned(), b.to_owned())).to_vec()
        );
        assert_eq!(
            crate::naming::tool_name("governanceGetOrgSettings"),
            "governance_get_org_settings"
        );
    }

    #[test]
    fn an_unresolvable_collision_names_both_operations() {
        // The prefixed key is an operationId of the later spec itself.
        let err = keys(&[
            ("management", spec(&[("/api/v1/org", "getOrgSettings")])),
            (
                "governance",
                spec(&[
                    ("/governance/api/v1/settings", "getOrgSettings"),
                    ("/governance/api/v1/other", "governanceGetOrgSettings"),
                ]),
            ),
        ])
        .unwrap_err();
        assert!(
            err.contains("management GET /api/v1/org")
                && err.contains("governance GET /governance/api/v1/settings")
                && err.contains("governanceGetOrgSettings")
                && err.contains("governance GET /governance/api/v1/other"),
            "{err}"
        );
    }

    #[test]
    fn specs_need_distinct_names() {
        let err = keys(&[("a", spec(&[])), ("a", spec(&[]))]).unwrap_err();
        assert!(err.contains("`a`"), "{err}");
    }
}
