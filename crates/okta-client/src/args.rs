//! The arguments a generated dispatch arm reads, and what can go wrong
//! turning a tool call's JSON into a typed client call.

// `DispatchError` carries progenitor's error, which holds a whole response;
// it is returned once per call, so its size does not matter.
#![allow(clippy::result_large_err)]

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// A tool call's arguments, already validated against the input schema.
pub struct Args<'a> {
    values: &'a Map<String, Value>,
    multipart: Option<&'a [u8]>,
}

#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    #[error("missing required argument `{0}`")]
    Missing(String),
    #[error("argument `{name}` has the wrong type or value: {message}")]
    Invalid { name: String, message: String },
    #[error("no operation `{0}` in this build")]
    UnknownOperation(String),
    #[error(transparent)]
    Api(#[from] progenitor_client::Error<()>),
}

impl<'a> Args<'a> {
    pub fn new(values: &'a Map<String, Value>) -> Self {
        Self {
            values,
            multipart: None,
        }
    }

    /// With an encoded multipart body for an upload operation.
    pub fn with_multipart(mut self, encoded: &'a [u8]) -> Self {
        self.multipart = Some(encoded);
        self
    }

    /// A required path, query or header parameter.
    pub fn required<T: DeserializeOwned>(&self, name: &str) -> Result<T, DispatchError> {
        self.optional(name)?
            .ok_or_else(|| DispatchError::Missing(name.to_owned()))
    }

    /// An optional parameter; `null` counts as absent.
    pub fn optional<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, DispatchError> {
        match self.values.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => decode(name, v.clone()).map(Some),
        }
    }

    /// The JSON body; an optional body that is absent is sent as `{}`.
    pub fn json_body(&self, required: bool) -> Result<Value, DispatchError> {
        match self.values.get("body") {
            Some(v) if !v.is_null() => Ok(v.clone()),
            _ if required => Err(DispatchError::Missing("body".into())),
            _ => Ok(Value::Object(Map::new())),
        }
    }

    /// A textual body (PEM, JWT).
    pub fn text_body(&self, required: bool) -> Result<String, DispatchError> {
        match self.values.get("body") {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) if !other.is_null() => Err(DispatchError::Invalid {
                name: "body".into(),
                message: "expected a string".into(),
            }),
            _ if required => Err(DispatchError::Missing("body".into())),
            _ => Ok(String::new()),
        }
    }

    /// The encoded multipart body (encoded by the runtime).
    pub fn multipart_body(&self) -> Result<Vec<u8>, DispatchError> {
        self.multipart
            .map(<[u8]>::to_vec)
            .ok_or_else(|| DispatchError::Missing("body.file_path or body.content_base64".into()))
    }
}

fn decode<T: DeserializeOwned>(name: &str, v: Value) -> Result<T, DispatchError> {
    // Numbers and booleans that arrive as strings (some clients stringify
    // everything) are accepted when the target type wants them.
    match serde_json::from_value::<T>(v.clone()) {
        Ok(t) => Ok(t),
        Err(first) => {
            if let Value::String(s) = &v
                && let Ok(parsed) = serde_json::from_str::<Value>(s)
                && !parsed.is_string()
                && let Ok(t) = serde_json::from_value::<T>(parsed)
            {
                return Ok(t);
            }
            Err(DispatchError::Invalid {
                name: name.to_owned(),
                message: first.to_string(),
            })
        }
    }
}
