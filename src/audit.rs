//! TEMPORARY stand-in until branch `audit` lands.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct AuditEntry {
    pub time: String,
    pub org: String,
    pub tool: String,
    pub operation_id: String,
    pub method: String,
    pub path: String,
    pub class: String,
    pub outcome: String,
    pub confirmed_by: Option<String>,
    pub status: Option<u16>,
    pub request_id: Option<String>,
    pub duration_ms: Option<u64>,
    pub shown: Vec<String>,
    pub body_fields: Vec<String>,
    pub reason: Option<String>,
}
pub fn body_field_names(_v: &serde_json::Value) -> Vec<String> {
    Vec::new()
}
