//! Seller credential schemas (SELLER-API §5) and their wire mapping (§1).
//!
//! A seller describes what it needs from a buyer's access as a small subset of
//! draft-07 JSON Schema. Keeping to a subset is what lets one form builder,
//! one validator and one schema-to-wire mapping serve every seller: anything
//! outside it (`$ref`, combinators, arrays, numbers, …) is refused when an
//! administrator saves the schema, with the JSON path of each problem.
//!
//! The `jsonschema` crate (draft 7, objects closed with
//! `additionalProperties: false`) is the authority on whether submitted
//! credentials are valid; this module only translates its errors into
//! per-field messages a person can act on, and never echoes a submitted value
//! back (it may be a secret).

use std::collections::BTreeSet;
use std::fmt;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{Draft, PatternOptions, ValidationError, Validator};
use serde::Serialize;
use serde_json::{Map, Value};

/// At most this many top-level properties, so forms stay short (§5).
pub const MAX_PROPERTIES: usize = 20;

/// Property names of the seller's wire mapping (§1): they map to
/// `username`, `password` and the target URL instead of `parameters`.
pub const RESERVED_NAMES: [&str; 3] = ["user", "password", "url"];

/// Keywords §5 names as refused; they get a message saying so rather than a
/// generic "unknown keyword", because an administrator may expect them.
const REFUSED_KEYWORDS: [&str; 19] = [
    "$ref",
    "anyOf",
    "allOf",
    "not",
    "if",
    "then",
    "else",
    "patternProperties",
    "dependencies",
    "format",
    "items",
    "additionalItems",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "definitions",
    "propertyNames",
];

/// The draft-07 meta-schema URIs accepted in `$schema`.
const DRAFT7_URIS: [&str; 2] = [
    "http://json-schema.org/draft-07/schema#",
    "http://json-schema.org/draft-07/schema",
];

/// The mask character; output has a fixed width so it does not reveal length.
const MASK_CHAR: char = '•';
/// Width of every mask, whatever the secret's length.
const MASK_WIDTH: usize = 8;
/// Secrets shorter than this are masked entirely: showing 2 characters of a
/// short secret would give away too large a share of it.
const MIN_LEN_TO_REVEAL: usize = 8;
/// What a secret value is replaced with in copies kept for people (§1).
const REDACTED: &str = "***";

/// A problem in a seller's credential schema, at a JSON path of the schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct SchemaError {
    /// JSON pointer into the schema, written `#/properties/user/pattern`.
    pub path: String,
    /// What is wrong there, in words.
    pub message: String,
}

impl SchemaError {
    fn new(path: &str, message: impl Into<String>) -> Self {
        Self {
            path: path.to_owned(),
            message: message.into(),
        }
    }
}

/// A problem with one submitted field, named as in the schema (`user`,
/// `auth.apiKey`); the empty name stands for the submission as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// Dotted field name (`auth.apiKey`), empty for the whole submission.
    pub field: String,
    /// What to fix, without echoing the submitted value (it may be secret).
    pub message: String,
}

impl FieldError {
    fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// The type of a form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    /// Text (`type: "string"`).
    String,
    /// A whole number (`type: "integer"`).
    Integer,
    /// A checkbox (`type: "boolean"`).
    Boolean,
    /// A choice between alternatives (`type: "object"` with `oneOf`).
    Alternatives,
}

/// One form field, in the form's order: everything a form builder needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    /// Property name, also the key sent on the wire.
    pub name: String,
    /// Label (the name for a discriminator without a title).
    pub title: String,
    /// Help text.
    pub description: Option<String>,
    /// Field type.
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// Whether the field must be filled.
    pub required: bool,
    /// Encrypted at rest, masked, blank on edit forms.
    pub secret: bool,
    /// Allowed values (`enum`), empty when free.
    pub options: Vec<String>,
    /// Pre-filled value; stored and sent like any other.
    pub default: Option<Value>,
    /// Placeholders.
    pub examples: Vec<Value>,
    /// The pattern the value must match (Rust and ECMAScript compatible).
    pub pattern: Option<String>,
    /// The pattern in words, shown when a value does not match.
    pub pattern_descriptor: Option<String>,
    /// Form position; fields without one come last.
    pub order: Option<i64>,
    /// For [`FieldType::Alternatives`]: the property whose value picks the
    /// alternative (sent as parameter `{key: name, value: <const>}`).
    pub discriminator: Option<String>,
    /// For [`FieldType::Alternatives`]: the alternatives, in schema order.
    pub alternatives: Vec<Alternative>,
}

/// One branch of a `oneOf` field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alternative {
    /// The discriminator's `const` for this branch.
    pub value: String,
    /// Label of the branch.
    pub title: String,
    /// Help text of the branch.
    pub description: Option<String>,
    /// The branch's fields, without the discriminator, in form order.
    pub fields: Vec<Field>,
}

/// A parsed, checked and compiled seller credential schema.
pub struct CredentialSchema {
    title: Option<String>,
    description: Option<String>,
    fields: Vec<Field>,
    /// The schema as saved; error paths of the validator point into it.
    source: Value,
    validator: Validator,
}

impl fmt::Debug for CredentialSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialSchema")
            .field("title", &self.title)
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

/// Credentials that passed validation, defaults applied. Debug output
/// redacts secrets so they cannot leak through logs.
#[derive(Clone, PartialEq)]
pub struct Credentials {
    values: Map<String, Value>,
    secrets: Vec<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Credentials")
            .field(&self.redacted())
            .finish()
    }
}

impl Credentials {
    /// The value of a field by dotted name (`auth.apiKey`).
    pub fn get(&self, field: &str) -> Option<&Value> {
        let mut parts = field.split('.');
        let first = self.values.get(parts.next()?)?;
        parts.try_fold(first, |v, p| v.get(p))
    }

    /// The stored form of the credentials (to be encrypted at rest).
    pub fn values(&self) -> &Map<String, Value> {
        &self.values
    }

    /// The endpoint given in a `url` property, which replaces the registered
    /// one (§1); the caller still checks it against registered endpoints.
    pub fn url(&self) -> Option<&str> {
        self.values.get("url").and_then(Value::as_str)
    }

    /// A copy with every secret replaced by `"***"`, for what people see.
    pub fn redacted(&self) -> Value {
        let mut copy = Value::Object(self.values.clone());
        for secret in &self.secrets {
            let pointer = format!("/{}", secret.replace('.', "/"));
            if let Some(v) = copy.pointer_mut(&pointer) {
                *v = Value::String(REDACTED.to_owned());
            }
        }
        copy
    }
}

/// `UrlsInput` of the seller protocol; only `generic` is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WireUrls {
    /// The endpoint called.
    pub generic: String,
}

/// `ParameterInput {key, value}`.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct WireParameter {
    /// The property name (or the `oneOf` property's name for a discriminator).
    pub key: String,
    /// The value as text: `"true"`/`"false"`, decimal integers, strings as is.
    pub value: String,
}

/// The `ConfigurationInput` sent inside each request (§1). Serializes to the
/// GraphQL input shape; Debug and [`WireConfiguration::redacted`] hide
/// secrets, because request bodies must never be logged as is.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct WireConfiguration {
    /// From the `user` property.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// From the `password` property.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Mandatory: `generic` always holds the endpoint called.
    pub urls: WireUrls,
    /// Every other property, in form order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<WireParameter>,
    /// Parameter keys whose values are secret.
    #[serde(skip)]
    secret_keys: Vec<String>,
}

impl WireConfiguration {
    /// The endpoint to call: the `url` property when the schema has one,
    /// otherwise the registered endpoint given to [`CredentialSchema::to_wire`].
    pub fn target(&self) -> &str {
        &self.urls.generic
    }

    /// The secret values (password, secret parameters), so that text coming
    /// back from a seller can be scrubbed of them before it is kept.
    pub fn secret_values(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.password.as_deref().into_iter().collect();
        out.extend(
            self.parameters
                .iter()
                .filter(|p| self.secret_keys.contains(&p.key))
                .map(|p| p.value.as_str()),
        );
        out.retain(|v| !v.is_empty());
        out
    }

    /// The JSON form with `"***"` for the password and secret parameters:
    /// the copy kept with an activation step (§1).
    pub fn redacted(&self) -> Value {
        let mut copy = self.clone();
        if copy.password.is_some() {
            copy.password = Some(REDACTED.to_owned());
        }
        for p in &mut copy.parameters {
            if copy.secret_keys.contains(&p.key) {
                p.value = REDACTED.to_owned();
            }
        }
        serde_json::to_value(&copy).unwrap_or(Value::Null)
    }
}

impl fmt::Debug for WireConfiguration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WireConfiguration")
            .field(&self.redacted())
            .finish()
    }
}

impl fmt::Debug for WireParameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Parameter values may be secret; only the key is shown.
        f.debug_struct("WireParameter")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// Masks a secret for display: a fixed-width run of `•`, ending with the
/// last 2 characters only when the secret is long enough that they give
/// little away (e.g. `"••••••ab"`).
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() < MIN_LEN_TO_REVEAL {
        return std::iter::repeat_n(MASK_CHAR, MASK_WIDTH).collect();
    }
    let mut out: String = std::iter::repeat_n(MASK_CHAR, MASK_WIDTH - 2).collect();
    out.extend(&chars[chars.len() - 2..]);
    out
}

impl CredentialSchema {
    /// Checks a schema against the §5 subset and compiles it. All problems
    /// are reported at once, so an administrator can fix them in one pass.
    pub fn parse(json: &Value) -> Result<Self, Vec<SchemaError>> {
        let mut p = Parser::default();
        let Some(root) = json.as_object() else {
            return Err(vec![SchemaError::new(
                "#",
                "a credential schema must be a JSON object",
            )]);
        };
        p.check_keys(
            root,
            "#",
            &[
                "$schema",
                "title",
                "description",
                "type",
                "properties",
                "required",
                "additionalProperties",
            ],
        );
        if let Some(s) = root.get("$schema")
            && !s.as_str().is_some_and(|s| DRAFT7_URIS.contains(&s))
        {
            p.err(
                "#/$schema",
                "must be \"http://json-schema.org/draft-07/schema#\"",
            );
        }
        p.check_object_type(root, "#");
        p.check_closed(root, "#");
        let title = p.opt_string(root, "#", "title");
        let description = p.opt_string(root, "#", "description");
        let props = p.properties(root, "#", Level::Root);
        if let Some(count) = root
            .get("properties")
            .and_then(Value::as_object)
            .map(Map::len)
            && count > MAX_PROPERTIES
        {
            p.err(
                "#/properties",
                format!("{count} properties: at most {MAX_PROPERTIES} are allowed"),
            );
        }
        p.check_collisions(&props);
        if !p.errors.is_empty() {
            return Err(p.errors);
        }
        let validator = compile(json).map_err(|e| vec![SchemaError::new("#", e)])?;
        Ok(Self {
            title,
            description,
            fields: props.into_iter().map(|(f, _)| f).collect(),
            source: json.clone(),
            validator,
        })
    }

    /// The schema's title.
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// The schema's description.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The form fields, in `order` (then by name).
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// Dotted names of the secret fields (`password`, `auth.apiKey`): these
    /// are encrypted at rest, masked, and never logged.
    pub fn secret_fields(&self) -> Vec<String> {
        let mut out = Vec::new();
        for f in &self.fields {
            if f.secret {
                out.push(f.name.clone());
            }
            for alt in &f.alternatives {
                for b in &alt.fields {
                    let name = format!("{}.{}", f.name, b.name);
                    if b.secret && !out.contains(&name) {
                        out.push(name);
                    }
                }
            }
        }
        out
    }

    /// Validates submitted credentials field by field. Blank strings and
    /// nulls count as absent (forms submit empty inputs), defaults are then
    /// applied, and the compiled validator decides; its errors are mapped to
    /// the fields they concern.
    pub fn validate(&self, submitted: &Value) -> Result<Credentials, Vec<FieldError>> {
        let Some(obj) = submitted.as_object() else {
            return Err(vec![FieldError::new(
                "",
                "the credentials must be a JSON object",
            )]);
        };
        let values = normalize(obj, &self.fields);
        let instance = Value::Object(values);
        let mut errors = Vec::new();
        for e in self.validator.iter_errors(&instance) {
            self.map_error(&e, &instance, &mut errors);
        }
        if !errors.is_empty() {
            let mut seen = BTreeSet::new();
            errors.retain(|e: &FieldError| seen.insert((e.field.clone(), e.message.clone())));
            return Err(errors);
        }
        let Value::Object(values) = instance else {
            return Err(vec![FieldError::new(
                "",
                "the credentials must be a JSON object",
            )]);
        };
        Ok(Credentials {
            values,
            secrets: self.secret_fields(),
        })
    }

    /// Maps credentials onto `ConfigurationInput` (§1). `endpoint` is the
    /// registered endpoint of the access's environment; a `url` property
    /// replaces it, so `urls.generic` always holds the endpoint called.
    pub fn to_wire(&self, credentials: &Credentials, endpoint: &str) -> WireConfiguration {
        let mut wire = WireConfiguration {
            username: None,
            password: None,
            urls: WireUrls {
                generic: endpoint.to_owned(),
            },
            parameters: Vec::new(),
            secret_keys: Vec::new(),
        };
        for field in &self.fields {
            let Some(value) = credentials.values.get(&field.name) else {
                continue;
            };
            if field.field_type != FieldType::Alternatives {
                map_simple(&mut wire, field, value);
                continue;
            }
            let (Some(disc), Some(obj)) = (field.discriminator.as_deref(), value.as_object())
            else {
                continue;
            };
            let Some(chosen) = obj.get(disc).and_then(Value::as_str) else {
                continue;
            };
            wire.parameters.push(WireParameter {
                key: field.name.clone(),
                value: chosen.to_owned(),
            });
            let Some(alt) = field.alternatives.iter().find(|a| a.value == chosen) else {
                continue;
            };
            for bf in &alt.fields {
                if let Some(v) = obj.get(&bf.name) {
                    map_simple(&mut wire, bf, v);
                }
            }
        }
        wire
    }

    /// Turns one validator error into field errors.
    fn map_error(&self, e: &ValidationError<'_>, instance: &Value, out: &mut Vec<FieldError>) {
        let field = pointer_to_field(e.instance_path.as_str());
        // The schema object owning the failed keyword.
        let schema_path = e.schema_path.as_str();
        let owner = schema_path
            .rsplit_once('/')
            .map(|(parent, _)| parent)
            .unwrap_or("");
        let owner_schema = self.source.pointer(owner);
        match &e.kind {
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                out.push(FieldError::new(&join(&field, name), "required"));
            }
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for name in unexpected {
                    out.push(FieldError::new(
                        &join(&field, name),
                        "unknown field: this seller does not ask for it",
                    ));
                }
            }
            ValidationErrorKind::Type { kind } => {
                out.push(FieldError::new(&field, type_message(kind)));
            }
            ValidationErrorKind::Pattern { .. } => {
                let descriptor = owner_schema
                    .and_then(|s| s.get("pattern_descriptor"))
                    .and_then(Value::as_str);
                let message = match descriptor {
                    Some(d) => format!("must be {d}"),
                    None => "does not have the expected format".to_owned(),
                };
                out.push(FieldError::new(&field, message));
            }
            ValidationErrorKind::Enum { options } => {
                out.push(FieldError::new(&field, one_of_message(options)));
            }
            ValidationErrorKind::OneOfNotValid { context }
            | ValidationErrorKind::OneOfMultipleValid { context } => {
                self.map_one_of(&field, instance, context, out);
            }
            _ => out.push(FieldError::new(&field, "is not valid")),
        }
    }

    /// Reports a failed `oneOf` against the branch the discriminator chose,
    /// or against the discriminator itself when it chose none.
    fn map_one_of(
        &self,
        field: &str,
        instance: &Value,
        context: &[Vec<ValidationError<'static>>],
        out: &mut Vec<FieldError>,
    ) {
        let Some(def) = self.fields.iter().find(|f| f.name == field) else {
            out.push(FieldError::new(field, "is not valid"));
            return;
        };
        let Some(obj) = instance.get(field).and_then(Value::as_object) else {
            // Not an object: the `type` error already says so.
            return;
        };
        let Some(disc) = def.discriminator.as_deref() else {
            return;
        };
        let values: Vec<&str> = def.alternatives.iter().map(|a| a.value.as_str()).collect();
        let chosen = obj.get(disc).and_then(Value::as_str);
        match chosen.and_then(|c| values.iter().position(|v| *v == c)) {
            Some(i) => {
                for e in context.get(i).into_iter().flatten() {
                    self.map_error(e, instance, out);
                }
            }
            None if obj.get(disc).is_none() => {
                out.push(FieldError::new(&join(field, disc), "required"));
            }
            None => out.push(FieldError::new(
                &join(field, disc),
                format!("must be one of: {}", values.join(", ")),
            )),
        }
    }
}

/// Maps one simple property onto the wire by its reserved name (§1).
fn map_simple(wire: &mut WireConfiguration, field: &Field, value: &Value) {
    let text = wire_text(value);
    match field.name.as_str() {
        "user" => wire.username = Some(text),
        "password" => wire.password = Some(text),
        "url" => wire.urls.generic = text,
        _ => {
            if field.secret {
                wire.secret_keys.push(field.name.clone());
            }
            wire.parameters.push(WireParameter {
                key: field.name.clone(),
                value: text,
            });
        }
    }
}

/// A value as wire text: strings as is, `"true"`/`"false"`, decimal integers.
fn wire_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (None, Some(u), _) => u.to_string(),
            // An integer written as 1.0, accepted by draft 7.
            (None, None, Some(f)) => format!("{f:.0}"),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// Drops blank strings and nulls (a form's empty inputs) and applies
/// defaults, at the top level and inside the chosen alternative.
fn normalize(obj: &Map<String, Value>, fields: &[Field]) -> Map<String, Value> {
    let mut out: Map<String, Value> = obj
        .iter()
        .filter(|(_, v)| !is_blank(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for f in fields {
        if let (Some(d), false) = (&f.default, out.contains_key(&f.name)) {
            out.insert(f.name.clone(), d.clone());
        }
        if f.field_type != FieldType::Alternatives {
            continue;
        }
        let Some(Value::Object(inner)) = out.get(&f.name) else {
            continue;
        };
        let chosen = f
            .discriminator
            .as_deref()
            .and_then(|d| inner.get(d))
            .and_then(Value::as_str);
        let branch_fields = chosen
            .and_then(|c| f.alternatives.iter().find(|a| a.value == c))
            .map(|a| a.fields.as_slice())
            .unwrap_or(&[]);
        let normalized = normalize(inner, branch_fields);
        out.insert(f.name.clone(), Value::Object(normalized));
    }
    out
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// `/auth/apiKey` → `auth.apiKey`.
fn pointer_to_field(pointer: &str) -> String {
    pointer
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

fn type_message(kind: &TypeKind) -> String {
    let expected = match kind {
        TypeKind::Single(t) => t.to_string(),
        TypeKind::Multiple(ts) => ts
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(" or "),
    };
    match expected.as_str() {
        "string" => "must be text".to_owned(),
        "integer" => "must be a whole number".to_owned(),
        "boolean" => "must be true or false".to_owned(),
        "object" => "must be a choice of one of the alternatives".to_owned(),
        other => format!("must be of type {other}"),
    }
}

fn one_of_message(options: &Value) -> String {
    let list: Vec<String> = options
        .as_array()
        .map(|a| a.iter().map(wire_text).collect())
        .unwrap_or_default();
    format!("must be one of: {}", list.join(", "))
}

/// Compiles the schema with every object closed, as §5 requires.
fn compile(json: &Value) -> Result<Validator, String> {
    let mut schema = json.clone();
    close_objects(&mut schema);
    jsonschema::options()
        .with_draft(Draft::Draft7)
        .should_validate_formats(false)
        .with_pattern_options(PatternOptions::regex())
        .build(&schema)
        .map_err(|e| format!("the schema does not compile: {e}"))
}

/// Adds `additionalProperties: false` to each object that has properties
/// (the root and each `oneOf` branch). The `oneOf` property itself has no
/// `properties` of its own, so closing it would refuse every branch.
fn close_objects(v: &mut Value) {
    let Some(o) = v.as_object_mut() else {
        return;
    };
    if o.contains_key("properties") {
        o.insert("additionalProperties".to_owned(), Value::Bool(false));
    }
    if let Some(props) = o.get_mut("properties").and_then(Value::as_object_mut) {
        props.values_mut().for_each(close_objects);
    }
    if let Some(alts) = o.get_mut("oneOf").and_then(Value::as_array_mut) {
        alts.iter_mut().for_each(close_objects);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Root,
    Branch,
}

/// Collects every problem of a schema instead of stopping at the first.
#[derive(Debug, Default)]
struct Parser {
    errors: Vec<SchemaError>,
}

fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

fn name_ok(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && name.len() <= 40
        && chars.all(|c| c.is_ascii_alphanumeric())
}

fn is_integer(v: &Value) -> bool {
    v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0)
}

impl Parser {
    fn err(&mut self, path: &str, message: impl Into<String>) {
        self.errors.push(SchemaError::new(path, message));
    }

    fn check_keys(&mut self, obj: &Map<String, Value>, path: &str, allowed: &[&str]) {
        for k in obj.keys() {
            if allowed.contains(&k.as_str()) {
                continue;
            }
            let at = format!("{path}/{}", escape(k));
            if REFUSED_KEYWORDS.contains(&k.as_str()) {
                self.err(
                    &at,
                    format!("`{k}` is not supported in seller credential schemas"),
                );
            } else if k == "const" {
                self.err(
                    &at,
                    "`const` is only allowed on the discriminator of a oneOf alternative",
                );
            } else if k == "oneOf" {
                self.err(
                    &at,
                    "no deeper nesting: alternatives (oneOf) only at the top level",
                );
            } else {
                self.err(&at, format!("unknown keyword `{k}`"));
            }
        }
    }

    /// A branch property must not share a name with a top-level property
    /// or its own `oneOf` property: both would land on the same wire key
    /// (`username`, `password` or a parameter) and one would be lost.
    fn check_collisions(&mut self, props: &[(Field, Option<String>)]) {
        let top: BTreeSet<&str> = props.iter().map(|(f, _)| f.name.as_str()).collect();
        for (f, _) in props {
            for (i, alt) in f.alternatives.iter().enumerate() {
                for b in &alt.fields {
                    if top.contains(b.name.as_str()) {
                        self.err(
                            &format!("#/properties/{}/oneOf/{i}/properties/{}", f.name, b.name),
                            format!(
                                "`{}` is also a top-level property: both would be sent under the same key",
                                b.name
                            ),
                        );
                    }
                }
            }
        }
    }

    fn check_object_type(&mut self, obj: &Map<String, Value>, path: &str) {
        if obj.get("type").and_then(Value::as_str) != Some("object") {
            self.err(&format!("{path}/type"), "must be \"object\"");
        }
    }

    fn check_closed(&mut self, obj: &Map<String, Value>, path: &str) {
        if obj
            .get("additionalProperties")
            .is_some_and(|v| v != &Value::Bool(false))
        {
            self.err(
                &format!("{path}/additionalProperties"),
                "objects are closed: only `false` is allowed",
            );
        }
    }

    fn opt_string(&mut self, obj: &Map<String, Value>, path: &str, key: &str) -> Option<String> {
        match obj.get(key) {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                self.err(&format!("{path}/{key}"), "must be a string");
                None
            }
        }
    }

    fn required_title(&mut self, obj: &Map<String, Value>, path: &str) -> String {
        match obj.get("title") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            Some(_) => {
                self.err(&format!("{path}/title"), "must be a non-empty string");
                String::new()
            }
            None => {
                self.err(&format!("{path}/title"), "title is required");
                String::new()
            }
        }
    }

    /// Parses `properties` and `required` of the root or a branch. Each
    /// property comes with its `const` (discriminators only).
    fn properties(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        level: Level,
    ) -> Vec<(Field, Option<String>)> {
        let props = match obj.get("properties") {
            Some(Value::Object(p)) => p,
            Some(_) => {
                self.err(&format!("{path}/properties"), "must be an object");
                return Vec::new();
            }
            None => {
                self.err(&format!("{path}/properties"), "properties is required");
                return Vec::new();
            }
        };
        let mut required = BTreeSet::new();
        match obj.get("required") {
            None => {}
            Some(Value::Array(names)) => {
                for (i, n) in names.iter().enumerate() {
                    let at = format!("{path}/required/{i}");
                    match n.as_str() {
                        Some(n) if !props.contains_key(n) => {
                            self.err(&at, format!("`{n}` is not a property"));
                        }
                        Some(n) if !required.insert(n.to_owned()) => {
                            self.err(&at, format!("`{n}` is listed twice"));
                        }
                        Some(_) => {}
                        None => self.err(&at, "must be a property name"),
                    }
                }
            }
            Some(_) => self.err(&format!("{path}/required"), "must be an array of names"),
        }
        let mut out = Vec::new();
        for (name, spec) in props {
            let at = format!("{path}/properties/{}", escape(name));
            if !name_ok(name) {
                self.err(
                    &at,
                    format!("property name `{name}` must match ^[a-z][A-Za-z0-9]{{0,39}}$"),
                );
                continue;
            }
            if let Some(p) = self.property(name, spec, &at, required.contains(name), level) {
                out.push(p);
            }
        }
        out.sort_by(|(a, _), (b, _)| {
            (a.order.unwrap_or(i64::MAX), &a.name).cmp(&(b.order.unwrap_or(i64::MAX), &b.name))
        });
        out
    }

    fn property(
        &mut self,
        name: &str,
        spec: &Value,
        path: &str,
        required: bool,
        level: Level,
    ) -> Option<(Field, Option<String>)> {
        let Some(spec) = spec.as_object() else {
            self.err(path, "a property must be an object");
            return None;
        };
        if spec.contains_key("oneOf") {
            if level == Level::Branch {
                self.err(
                    &format!("{path}/oneOf"),
                    "no deeper nesting: alternatives (oneOf) only at the top level",
                );
                return None;
            }
            if RESERVED_NAMES.contains(&name) {
                self.err(path, format!("`{name}` is reserved and must be a string"));
            }
            return self
                .alternatives(name, spec, path, required)
                .map(|f| (f, None));
        }
        if level == Level::Branch && name == "url" {
            // The caller resolves the endpoint from the top-level `url`
            // before building a request; one inside an alternative would be
            // sent without being checked against the registered endpoints.
            self.err(
                path,
                "`url` must be a top-level property, not inside an alternative",
            );
        }
        let mut allowed = vec![
            "type",
            "title",
            "description",
            "pattern",
            "pattern_descriptor",
            "default",
            "examples",
            "order",
            "enum",
            "secret",
        ];
        if level == Level::Branch {
            allowed.push("const");
        }
        self.check_keys(spec, path, &allowed);
        let field_type = match spec.get("type").and_then(Value::as_str) {
            Some("string") => FieldType::String,
            Some("integer") => FieldType::Integer,
            Some("boolean") => FieldType::Boolean,
            Some("object") => {
                self.err(
                    &format!("{path}/type"),
                    "objects are only allowed as alternatives (with oneOf) at the top level",
                );
                return None;
            }
            Some(other) => {
                self.err(
                    &format!("{path}/type"),
                    format!("type `{other}` is not supported: use string, integer or boolean"),
                );
                return None;
            }
            None => {
                self.err(
                    &format!("{path}/type"),
                    "type is required (string, integer or boolean)",
                );
                return None;
            }
        };
        let constant = match spec.get("const") {
            None => None,
            Some(Value::String(c)) if field_type == FieldType::String => Some(c.clone()),
            Some(_) => {
                self.err(
                    &format!("{path}/const"),
                    "a discriminator must be a string constant",
                );
                None
            }
        };
        let title = if constant.is_some() && !spec.contains_key("title") {
            name.to_owned()
        } else {
            self.required_title(spec, path)
        };
        let description = self.opt_string(spec, path, "description");
        let pattern_descriptor = self.opt_string(spec, path, "pattern_descriptor");
        let order = match spec.get("order") {
            None => None,
            Some(v) if v.is_i64() => v.as_i64(),
            Some(_) => {
                self.err(&format!("{path}/order"), "must be an integer");
                None
            }
        };
        let secret = match spec.get("secret") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                self.err(&format!("{path}/secret"), "must be true or false");
                false
            }
        };
        if secret && field_type != FieldType::String {
            self.err(
                &format!("{path}/secret"),
                "only string properties can be secret",
            );
        }
        if RESERVED_NAMES.contains(&name) && field_type != FieldType::String {
            self.err(
                &format!("{path}/type"),
                format!("`{name}` is reserved for the wire mapping and must be a string"),
            );
        }
        let mut pattern = None;
        let mut regex = None;
        match spec.get("pattern") {
            None => {}
            Some(_) if field_type != FieldType::String => {
                self.err(
                    &format!("{path}/pattern"),
                    "only string properties can have a pattern",
                );
            }
            Some(Value::String(p)) => {
                regex = self.check_pattern(p, &format!("{path}/pattern"));
                pattern = Some(p.clone());
            }
            Some(_) => self.err(&format!("{path}/pattern"), "must be a string"),
        }
        if name == "url" && field_type == FieldType::String {
            match (&pattern, &regex) {
                (None, _) => self.err(
                    &format!("{path}/pattern"),
                    "`url` needs a pattern that accepts only absolute http(s) URLs",
                ),
                (Some(p), Some(r)) => self.check_url_pattern(p, r, &format!("{path}/pattern")),
                _ => {}
            }
        }
        let options = self.enum_options(spec, path, field_type);
        let type_ok = |v: &Value| match field_type {
            FieldType::String => v.is_string(),
            FieldType::Integer => is_integer(v),
            FieldType::Boolean => v.is_boolean(),
            FieldType::Alternatives => false,
        };
        let default = spec.get("default").cloned();
        if let Some(d) = &default {
            let at = format!("{path}/default");
            if !type_ok(d) {
                self.err(&at, "does not have the property's type");
            } else if !options.is_empty()
                && !d.as_str().is_some_and(|s| options.iter().any(|o| o == s))
            {
                self.err(&at, "is not one of the enum values");
            } else if let (Some(r), Some(s)) = (&regex, d.as_str())
                && !r.is_match(s)
            {
                self.err(&at, "does not match the pattern");
            }
        }
        let examples = match spec.get("examples") {
            None => Vec::new(),
            Some(Value::Array(xs)) => {
                for (i, x) in xs.iter().enumerate() {
                    if !type_ok(x) {
                        self.err(
                            &format!("{path}/examples/{i}"),
                            "does not have the property's type",
                        );
                    }
                }
                xs.clone()
            }
            Some(_) => {
                self.err(&format!("{path}/examples"), "must be an array");
                Vec::new()
            }
        };
        Some((
            Field {
                name: name.to_owned(),
                title,
                description,
                field_type,
                required,
                secret,
                options,
                default,
                examples,
                pattern,
                pattern_descriptor,
                order,
                discriminator: None,
                alternatives: Vec::new(),
            },
            constant,
        ))
    }

    fn enum_options(
        &mut self,
        spec: &Map<String, Value>,
        path: &str,
        field_type: FieldType,
    ) -> Vec<String> {
        let at = format!("{path}/enum");
        let Some(e) = spec.get("enum") else {
            return Vec::new();
        };
        if field_type != FieldType::String {
            self.err(&at, "only string properties can have an enum");
            return Vec::new();
        }
        let Some(values) = e.as_array().filter(|a| !a.is_empty()) else {
            self.err(&at, "must be a non-empty array of strings");
            return Vec::new();
        };
        let mut out: Vec<String> = Vec::new();
        for (i, v) in values.iter().enumerate() {
            match v.as_str() {
                Some(s) if out.iter().any(|o| o == s) => {
                    self.err(&format!("{at}/{i}"), format!("`{s}` is listed twice"));
                }
                Some(s) => out.push(s.to_owned()),
                None => self.err(&format!("{at}/{i}"), "must be a string"),
            }
        }
        out
    }

    /// Refuses what Rust's `regex` and ECMAScript do not both accept the
    /// same way: look-around, back-references, inline flags, `\A`/`\z`.
    fn check_pattern(&mut self, pattern: &str, path: &str) -> Option<regex::Regex> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '\\' => {
                    match chars.get(i + 1) {
                        Some('1'..='9') | Some('k') => {
                            self.err(path, "back-references are not allowed");
                            return None;
                        }
                        Some('A') | Some('z') | Some('Z') => {
                            self.err(path, "\\A, \\z and \\Z are not ECMAScript: use ^ and $");
                            return None;
                        }
                        _ => {}
                    }
                    i += 2;
                    continue;
                }
                '(' if chars.get(i + 1) == Some(&'?') => {
                    let rest: String = chars[i + 2..].iter().take(2).collect();
                    if rest.starts_with('=')
                        || rest.starts_with('!')
                        || rest == "<="
                        || rest == "<!"
                    {
                        self.err(path, "look-around is not allowed");
                        return None;
                    }
                    let named = rest.starts_with('<')
                        && rest.chars().nth(1).is_some_and(|c| c.is_ascii_alphabetic());
                    if !rest.starts_with(':') && !named {
                        self.err(
                            path,
                            "only (?:…) and (?<name>…) groups are allowed (no inline flags)",
                        );
                        return None;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        match regex::Regex::new(pattern) {
            Ok(r) => Some(r),
            Err(e) => {
                let first = e.to_string();
                let last = first.lines().last().unwrap_or("invalid").trim().to_owned();
                self.err(path, format!("not a valid regular expression: {last}"));
                None
            }
        }
    }

    /// `url` must accept only absolute http(s) URLs: the pattern is anchored
    /// on the scheme, has no top-level alternation that could bypass the
    /// anchor, and refuses a set of non-URLs.
    fn check_url_pattern(&mut self, pattern: &str, regex: &regex::Regex, path: &str) {
        const PREFIXES: [&str; 5] = [
            "^https?://",
            "^https://",
            "^http://",
            "^(https?)://",
            "^(?:https?)://",
        ];
        const NON_URLS: [&str; 12] = [
            "",
            "http://",
            "https://",
            "a",
            "/path",
            "//host/path",
            "ftp://host/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "http:/host",
            "https//host",
            " https://host",
        ];
        let anchored = PREFIXES.iter().any(|p| {
            pattern
                .strip_prefix(p)
                .is_some_and(|rest| !rest.starts_with(['?', '*', '{', '|']))
        });
        let mut depth = 0i32;
        let mut in_class = false;
        let mut escaped = false;
        let mut top_alternation = false;
        for c in pattern.chars() {
            if escaped {
                escaped = false;
                continue;
            }
            match c {
                '\\' => escaped = true,
                '[' => in_class = true,
                ']' => in_class = false,
                '(' if !in_class => depth += 1,
                ')' if !in_class => depth -= 1,
                '|' if !in_class && depth == 0 => top_alternation = true,
                _ => {}
            }
        }
        if !anchored || top_alternation || NON_URLS.iter().any(|s| regex.is_match(s)) {
            self.err(
                path,
                "the `url` pattern must accept only absolute http(s) URLs (start with ^https?://)",
            );
        }
    }

    /// A `oneOf` property: branches that are closed objects of simple
    /// properties sharing one discriminator with distinct `const`s.
    fn alternatives(
        &mut self,
        name: &str,
        spec: &Map<String, Value>,
        path: &str,
        required: bool,
    ) -> Option<Field> {
        self.check_keys(
            spec,
            path,
            &["type", "title", "description", "order", "oneOf"],
        );
        self.check_object_type(spec, path);
        let title = self.required_title(spec, path);
        let description = self.opt_string(spec, path, "description");
        let order = match spec.get("order") {
            None => None,
            Some(v) if v.is_i64() => v.as_i64(),
            Some(_) => {
                self.err(&format!("{path}/order"), "must be an integer");
                None
            }
        };
        let Some(branches) = spec
            .get("oneOf")
            .and_then(Value::as_array)
            .filter(|b| !b.is_empty())
        else {
            self.err(
                &format!("{path}/oneOf"),
                "must be a non-empty array of objects",
            );
            return None;
        };
        let mut discriminator: Option<String> = None;
        let mut alternatives: Vec<Alternative> = Vec::new();
        for (i, branch) in branches.iter().enumerate() {
            let bpath = format!("{path}/oneOf/{i}");
            let Some(b) = branch.as_object() else {
                self.err(&bpath, "an alternative must be an object");
                continue;
            };
            self.check_keys(
                b,
                &bpath,
                &[
                    "type",
                    "title",
                    "description",
                    "required",
                    "properties",
                    "additionalProperties",
                ],
            );
            self.check_object_type(b, &bpath);
            self.check_closed(b, &bpath);
            let btitle = self.required_title(b, &bpath);
            let bdesc = self.opt_string(b, &bpath, "description");
            let props = self.properties(b, &bpath, Level::Branch);
            let consts: Vec<(&Field, &String)> = props
                .iter()
                .filter_map(|(f, c)| c.as_ref().map(|c| (f, c)))
                .collect();
            let [(disc_field, value)] = consts.as_slice() else {
                self.err(
                    &format!("{bpath}/properties"),
                    "an alternative needs exactly one discriminator property with a `const`",
                );
                continue;
            };
            match &discriminator {
                None => discriminator = Some(disc_field.name.clone()),
                Some(d) if d != &disc_field.name => self.err(
                    &format!("{bpath}/properties/{}", escape(&disc_field.name)),
                    format!("all alternatives must share the discriminator `{d}`"),
                ),
                Some(_) => {}
            }
            if !disc_field.required {
                self.err(
                    &format!("{bpath}/required"),
                    format!("the discriminator `{}` must be required", disc_field.name),
                );
            }
            if alternatives.iter().any(|a| &a.value == *value) {
                self.err(
                    &format!("{bpath}/properties/{}/const", escape(&disc_field.name)),
                    format!("`{value}` is used by another alternative"),
                );
            }
            let value = (*value).clone();
            let disc_name = disc_field.name.clone();
            alternatives.push(Alternative {
                value,
                title: btitle,
                description: bdesc,
                fields: props
                    .into_iter()
                    .map(|(f, _)| f)
                    .filter(|f| f.name != disc_name)
                    .collect(),
            });
        }
        Some(Field {
            name: name.to_owned(),
            title,
            description,
            field_type: FieldType::Alternatives,
            required,
            secret: false,
            options: Vec::new(),
            default: None,
            examples: Vec::new(),
            pattern: None,
            pattern_descriptor: None,
            order,
            discriminator,
            alternatives,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn mirador() -> Value {
        json!({"$schema": "http://json-schema.org/draft-07/schema#", "title": "Mirador Hotels, Pull access", "type": "object",
         "required": ["url", "user", "password"], "properties": {
          "url": {"type": "string", "title": "Endpoint URL", "order": 0, "description": "The GraphQL endpoint Mirador gave you.",
                  "pattern": "^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$",
                  "pattern_descriptor": "http(s)://host[:port]/path, without query string"},
          "user": {"type": "string", "title": "User", "order": 1, "description": "XML user issued by Mirador.",
                   "pattern": "^[A-Za-z0-9._@-]{2,64}$", "pattern_descriptor": "2 to 64 letters, digits or . _ @ -"},
          "password": {"type": "string", "title": "Password", "order": 2, "secret": true, "description": "Issued with the user."}}})
    }

    fn atlas() -> Value {
        json!({"pull": {"title": "Atlas Beds, Pull access", "type": "object", "required": ["user", "password", "clientCode"], "properties": {
           "user": {"type": "string", "title": "User", "order": 0, "pattern": "^[A-Za-z0-9._@-]{2,64}$"},
           "password": {"type": "string", "title": "Password", "order": 1, "secret": true},
           "clientCode": {"type": "string", "title": "Client code", "order": 2, "examples": ["AGX-1042"], "description": "From Atlas's welcome email.",
                          "pattern": "^[A-Za-z0-9-]{2,32}$", "pattern_descriptor": "2 to 32 letters, digits or hyphens"},
           "currency": {"type": "string", "title": "Billing currency", "order": 3, "enum": ["EUR", "USD", "GBP"], "default": "EUR"}}},
         "push": {"title": "Atlas Beds, Push access", "type": "object", "required": ["clientCode"], "properties": {
           "clientCode": {"type": "string", "title": "Client code", "order": 0, "examples": ["AGX-1042"], "description": "Atlas loads your rates under it.",
                          "pattern": "^[A-Za-z0-9-]{2,32}$", "pattern_descriptor": "2 to 32 letters, digits or hyphens"},
           "rateType": {"type": "string", "title": "Rates loaded as", "order": 1, "enum": ["NET", "COMMISSIONABLE"], "default": "NET"}}}})
    }

    /// The §5 `oneOf` example, with an integer and a boolean beside it.
    fn with_auth() -> Value {
        json!({"title": "Alt", "type": "object", "required": ["auth"], "properties": {
          "auth": {"type": "object", "title": "Authentication", "order": 1, "oneOf": [
            {"title": "User and password", "type": "object", "required": ["method", "user", "password"], "properties": {"method": {"type": "string", "const": "basic"}, "user": {"type": "string", "title": "User"}, "password": {"type": "string", "title": "Password", "secret": true}}},
            {"title": "API key", "type": "object", "required": ["method", "apiKey"], "properties": {"method": {"type": "string", "const": "api_key"}, "apiKey": {"type": "string", "title": "API key", "secret": true, "pattern": "^[a-f0-9]{8,}$", "pattern_descriptor": "at least 8 hexadecimal digits"}}}]},
          "rooms": {"type": "integer", "title": "Rooms", "order": 2, "default": 3},
          "sandbox": {"type": "boolean", "title": "Sandbox", "order": 3}}})
    }

    fn schema(v: &Value) -> CredentialSchema {
        CredentialSchema::parse(v).unwrap()
    }

    /// Asserts that parsing `v` reports a problem at `path`.
    fn refused_at(v: Value, path: &str) {
        let errors = errors_of(v);
        assert!(errors.iter().any(|e| e.path == path), "{path}: {errors:?}");
    }

    fn errors_of(v: Value) -> Vec<SchemaError> {
        CredentialSchema::parse(&v).unwrap_err()
    }

    /// A minimal valid root with one property replaced by `prop`.
    fn with_prop(prop: Value) -> Value {
        json!({"title": "T", "type": "object", "properties": {"code": prop}})
    }

    fn field_errors(s: &CredentialSchema, v: Value) -> Vec<(String, String)> {
        s.validate(&v)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect()
    }

    #[test]
    fn example_schemas_parse() {
        let m = schema(&mirador());
        let names: Vec<&str> = m.fields().iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["url", "user", "password"]);
        assert_eq!(m.secret_fields(), ["password"]);
        assert!(m.fields().iter().all(|f| f.required));
        let a = atlas();
        let pull = schema(&a["pull"]);
        let names: Vec<&str> = pull.fields().iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["user", "password", "clientCode", "currency"]);
        let currency = &pull.fields()[3];
        assert_eq!(currency.options, ["EUR", "USD", "GBP"]);
        assert_eq!(currency.default, Some(json!("EUR")));
        assert!(!currency.required);
        assert_eq!(pull.fields()[2].examples, [json!("AGX-1042")]);
        let push = schema(&a["push"]);
        assert_eq!(push.fields().len(), 2);
        assert_eq!(push.title(), Some("Atlas Beds, Push access"));
    }

    #[test]
    fn alternatives_are_described_for_the_form() {
        let s = schema(&with_auth());
        let auth = &s.fields()[0];
        assert_eq!(auth.field_type, FieldType::Alternatives);
        assert_eq!(auth.discriminator.as_deref(), Some("method"));
        let values: Vec<&str> = auth.alternatives.iter().map(|a| a.value.as_str()).collect();
        assert_eq!(values, ["basic", "api_key"]);
        let basic: Vec<&str> = auth.alternatives[0]
            .fields
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(basic, ["password", "user"]);
        assert_eq!(s.secret_fields(), ["auth.password", "auth.apiKey"]);
    }

    #[test]
    fn refused_constructs_are_refused_with_a_path() {
        let cases: Vec<(Value, &str)> = vec![
            (json!([]), "#"),
            (
                json!({"title": "T", "type": "array", "properties": {}}),
                "#/type",
            ),
            (
                json!({"title": "T", "type": "object", "properties": {}, "$ref": "#/x"}),
                "#/$ref",
            ),
            (
                json!({"title": "T", "type": "object", "properties": {}, "anyOf": []}),
                "#/anyOf",
            ),
            (
                json!({"title": "T", "type": "object", "properties": {}, "allOf": []}),
                "#/allOf",
            ),
            (
                json!({"title": "T", "type": "object", "properties": {}, "if": {}}),
                "#/if",
            ),
            (
                json!({"title": "T", "type": "object", "properties": {}, "patternProperties": {}}),
                "#/patternProperties",
            ),
            (
                json!({"title": "T", "type": "object", "properties": {}, "dependencies": {}}),
                "#/dependencies",
            ),
            (
                json!({"title": "T", "type": "object", "properties": {}, "additionalProperties": true}),
                "#/additionalProperties",
            ),
            (
                with_prop(json!({"type": "string", "title": "C", "not": {}})),
                "#/properties/code/not",
            ),
            (
                with_prop(json!({"type": "string", "title": "C", "then": {}})),
                "#/properties/code/then",
            ),
            (
                with_prop(json!({"type": "string", "title": "C", "else": {}})),
                "#/properties/code/else",
            ),
            (
                with_prop(json!({"type": "string", "title": "C", "format": "uri"})),
                "#/properties/code/format",
            ),
            (
                with_prop(json!({"type": "string", "title": "C", "const": "x"})),
                "#/properties/code/const",
            ),
            (
                with_prop(json!({"type": "array", "title": "C"})),
                "#/properties/code/type",
            ),
            (
                with_prop(json!({"type": "number", "title": "C"})),
                "#/properties/code/type",
            ),
            (
                with_prop(json!({"type": "object", "title": "C", "properties": {}})),
                "#/properties/code/type",
            ),
            (
                with_prop(json!({"type": "string"})),
                "#/properties/code/title",
            ),
            (
                with_prop(json!({"type": "integer", "title": "C", "secret": true})),
                "#/properties/code/secret",
            ),
            (
                with_prop(json!({"type": "string", "title": "C", "pattern": "^(?=a)b$"})),
                "#/properties/code/pattern",
            ),
            (
                with_prop(json!({"type": "string", "title": "C", "pattern": "^(a)\\1$"})),
                "#/properties/code/pattern",
            ),
            (
                with_prop(json!({"type": "string", "title": "C", "pattern": "(?<!a)b"})),
                "#/properties/code/pattern",
            ),
            (
                with_prop(json!({"type": "string", "title": "C", "pattern": "(?i)abc"})),
                "#/properties/code/pattern",
            ),
            (
                with_prop(json!({"type": "string", "title": "C", "pattern": "([a-"})),
                "#/properties/code/pattern",
            ),
            (
                with_prop(json!({"type": "string", "title": "C", "enum": ["A", "A"]})),
                "#/properties/code/enum/1",
            ),
            (
                with_prop(json!({"type": "string", "title": "C", "enum": ["A", 1]})),
                "#/properties/code/enum/1",
            ),
            (
                with_prop(json!({"type": "integer", "title": "C", "default": "x"})),
                "#/properties/code/default",
            ),
            (
                with_prop(json!({"type": "string", "title": "C", "enum": ["A"], "default": "B"})),
                "#/properties/code/default",
            ),
            (
                with_prop(json!({"type": "integer", "title": "C", "minimum": 1})),
                "#/properties/code/minimum",
            ),
            (
                with_prop(json!({"type": "string", "title": "C", "widget": "x"})),
                "#/properties/code/widget",
            ),
            (
                json!({"title": "T", "type": "object", "properties": {"Code": {"type": "string", "title": "C"}}}),
                "#/properties/Code",
            ),
            (
                json!({"title": "T", "type": "object", "properties": {"user": {"type": "integer", "title": "U"}}}),
                "#/properties/user/type",
            ),
            (
                json!({"title": "T", "type": "object", "properties": {"url": {"type": "string", "title": "U"}}}),
                "#/properties/url/pattern",
            ),
            (
                json!({"title": "T", "type": "object", "properties": {"url": {"type": "string", "title": "U", "pattern": ".*"}}}),
                "#/properties/url/pattern",
            ),
            (
                json!({"title": "T", "type": "object", "properties": {"url": {"type": "string", "title": "U", "pattern": "^https?://.+|^/.*"}}}),
                "#/properties/url/pattern",
            ),
            (
                json!({"title": "T", "type": "object", "required": ["nope"], "properties": {}}),
                "#/required/0",
            ),
        ];
        for (schema, path) in cases {
            let errors = errors_of(schema.clone());
            assert!(
                errors.iter().any(|e| e.path == path),
                "{schema} should fail at {path}, got {errors:?}"
            );
        }
    }

    #[test]
    fn too_many_properties_are_refused() {
        let props: Map<String, Value> = (0..21)
            .map(|i| (format!("p{i}"), json!({"type": "string", "title": "P"})))
            .collect();
        let errors = errors_of(json!({"title": "T", "type": "object", "properties": props}));
        assert!(errors.iter().any(|e| e.path == "#/properties"));
    }

    #[test]
    fn bad_alternatives_are_refused() {
        let mut v = with_auth();
        // Deeper nesting.
        v["properties"]["auth"]["oneOf"][1]["properties"]["inner"] =
            json!({"type": "object", "title": "I", "oneOf": []});
        let errors = errors_of(v);
        assert!(
            errors
                .iter()
                .any(|e| e.path == "#/properties/auth/oneOf/1/properties/inner/oneOf")
        );
        // Same const twice.
        let mut v = with_auth();
        v["properties"]["auth"]["oneOf"][1]["properties"]["method"]["const"] = json!("basic");
        refused_at(v, "#/properties/auth/oneOf/1/properties/method/const");
        // No discriminator.
        let mut v = with_auth();
        v["properties"]["auth"]["oneOf"][0]["properties"]["method"] =
            json!({"type": "string", "title": "M"});
        refused_at(v, "#/properties/auth/oneOf/0/properties");
        // A branch property that is also a top-level one.
        let mut v = with_auth();
        v["properties"]["auth"]["oneOf"][1]["properties"]["rooms"] =
            json!({"type": "integer", "title": "R"});
        refused_at(v, "#/properties/auth/oneOf/1/properties/rooms");
        // The discriminator named like its oneOf property.
        let mut v = with_auth();
        v["properties"]["auth"]["oneOf"][0]["properties"]["auth"] =
            json!({"type": "string", "title": "A"});
        refused_at(v, "#/properties/auth/oneOf/0/properties/auth");
        // `url` inside an alternative.
        let mut v = with_auth();
        v["properties"]["auth"]["oneOf"][0]["properties"]["url"] =
            json!({"type": "string", "title": "U", "pattern": "^https://[a-z.]+$"});
        refused_at(v, "#/properties/auth/oneOf/0/properties/url");
        // Discriminator not required.
        let mut v = with_auth();
        v["properties"]["auth"]["oneOf"][1]["required"] = json!(["apiKey"]);
        refused_at(v, "#/properties/auth/oneOf/1/required");
    }

    #[test]
    fn valid_credentials_pass_with_defaults_applied() {
        let a = atlas();
        let pull = schema(&a["pull"]);
        let c = pull
            .validate(&json!({"user": "ok.user", "password": "s3cret", "clientCode": "AGX-1042"}))
            .unwrap();
        assert_eq!(c.get("currency"), Some(&json!("EUR")));
        // A blank input counts as absent, so the default applies.
        let c = pull
            .validate(&json!({"user": "ok.user", "password": "s3cret", "clientCode": "AGX-1042", "currency": ""}))
            .unwrap();
        assert_eq!(c.get("currency"), Some(&json!("EUR")));
        let s = schema(&with_auth());
        let c = s
            .validate(&json!({"auth": {"method": "api_key", "apiKey": "deadbeef00"}}))
            .unwrap();
        assert_eq!(c.get("rooms"), Some(&json!(3)));
        assert_eq!(c.get("auth.apiKey"), Some(&json!("deadbeef00")));
    }

    #[test]
    fn errors_are_named_per_field() {
        let m = schema(&mirador());
        let errs = field_errors(&m, json!({"url": "ftp://x", "user": "a"}));
        assert!(
            errs.contains(&("password".into(), "required".into())),
            "{errs:?}"
        );
        assert!(
            errs.contains(&(
                "url".into(),
                "must be http(s)://host[:port]/path, without query string".into()
            )),
            "{errs:?}"
        );
        assert!(
            errs.contains(&(
                "user".into(),
                "must be 2 to 64 letters, digits or . _ @ -".into()
            )),
            "{errs:?}"
        );

        let a = atlas();
        let pull = schema(&a["pull"]);
        let errs = field_errors(
            &pull,
            json!({"user": 12, "password": "p", "clientCode": "AGX-1042", "currency": "JPY", "extra": "x"}),
        );
        assert!(
            errs.contains(&("user".into(), "must be text".into())),
            "{errs:?}"
        );
        assert!(
            errs.contains(&("currency".into(), "must be one of: EUR, USD, GBP".into())),
            "{errs:?}"
        );
        assert!(
            errs.contains(&(
                "extra".into(),
                "unknown field: this seller does not ask for it".into()
            )),
            "{errs:?}"
        );
        assert_eq!(errs.len(), 3, "{errs:?}");

        let s = schema(&with_auth());
        let errs = field_errors(
            &s,
            json!({"auth": {"method": "api_key", "apiKey": "xyz"}, "rooms": "two", "sandbox": 1}),
        );
        assert!(
            errs.contains(&(
                "auth.apiKey".into(),
                "must be at least 8 hexadecimal digits".into()
            )),
            "{errs:?}"
        );
        assert!(
            errs.contains(&("rooms".into(), "must be a whole number".into())),
            "{errs:?}"
        );
        assert!(
            errs.contains(&("sandbox".into(), "must be true or false".into())),
            "{errs:?}"
        );
        let errs = field_errors(&s, json!({"auth": {"method": "basic", "user": "u"}}));
        assert_eq!(errs, [("auth.password".to_owned(), "required".to_owned())]);
        let errs = field_errors(&s, json!({"auth": {"method": "oauth"}}));
        assert_eq!(
            errs,
            [(
                "auth.method".to_owned(),
                "must be one of: basic, api_key".to_owned()
            )]
        );
        let errs = field_errors(&s, json!({"auth": {"apiKey": "deadbeef00"}}));
        assert_eq!(errs, [("auth.method".to_owned(), "required".to_owned())]);
        let errs = field_errors(
            &s,
            json!({"auth": {"method": "basic", "user": "u", "password": "p", "x": 1}}),
        );
        assert_eq!(
            errs,
            [(
                "auth.x".to_owned(),
                "unknown field: this seller does not ask for it".to_owned()
            )]
        );
        let errs = field_errors(&s, json!({}));
        assert_eq!(errs, [("auth".to_owned(), "required".to_owned())]);
        let errs = field_errors(&s, json!("nope"));
        assert_eq!(
            errs,
            [(
                String::new(),
                "the credentials must be a JSON object".to_owned()
            )]
        );
    }

    #[test]
    fn errors_never_echo_secrets() {
        let s = schema(&with_auth());
        let errs = s
            .validate(&json!({"auth": {"method": "api_key", "apiKey": "TOPSECRETVALUE"}}))
            .unwrap_err();
        assert!(
            errs.iter().all(|e| !e.message.contains("TOPSECRET")),
            "{errs:?}"
        );
        let c = s
            .validate(&json!({"auth": {"method": "api_key", "apiKey": "deadbeef00"}}))
            .unwrap();
        assert!(!format!("{c:?}").contains("deadbeef00"));
        assert_eq!(c.redacted()["auth"]["apiKey"], json!("***"));
    }

    #[test]
    fn masking() {
        assert_eq!(mask("supersecretab"), "••••••ab");
        assert_eq!(mask("abcdefgh"), "••••••gh");
        assert_eq!(mask("short"), "••••••••");
        assert_eq!(mask(""), "••••••••");
        assert_eq!(mask("ünïcödé€"), "••••••é€");
    }

    #[test]
    fn atlas_wire_mapping_is_as_section_5_states() {
        let a = atlas();
        let pull = schema(&a["pull"]);
        let c = pull
            .validate(&json!({"user": "agx", "password": "pw", "clientCode": "AGX-1042"}))
            .unwrap();
        let endpoint = "https://atlas.example/pull/graphql";
        let wire = pull.to_wire(&c, endpoint);
        assert_eq!(
            serde_json::to_value(&wire).unwrap(),
            json!({"username": "agx", "password": "pw", "urls": {"generic": endpoint},
                   "parameters": [{"key": "clientCode", "value": "AGX-1042"}, {"key": "currency", "value": "EUR"}]})
        );
        assert_eq!(wire.redacted()["password"], json!("***"));
        assert!(!format!("{wire:?}").contains("\"pw\""));

        let push = schema(&a["push"]);
        let c = push.validate(&json!({"clientCode": "AGX-1042"})).unwrap();
        let wire = push.to_wire(&c, endpoint);
        assert_eq!(
            serde_json::to_value(&wire).unwrap(),
            json!({"urls": {"generic": endpoint},
                   "parameters": [{"key": "clientCode", "value": "AGX-1042"}, {"key": "rateType", "value": "NET"}]})
        );
    }

    #[test]
    fn url_alternatives_and_scalars_on_the_wire() {
        let m = schema(&mirador());
        let url = "http://127.0.0.1:7700/mirador/pull/test/graphql";
        let c = m
            .validate(&json!({"url": url, "user": "ok", "password": "demo"}))
            .unwrap();
        let wire = m.to_wire(&c, "http://127.0.0.1:7700/registered");
        assert_eq!(wire.target(), url);
        assert_eq!(
            serde_json::to_value(&wire).unwrap(),
            json!({"username": "ok", "password": "demo", "urls": {"generic": url}})
        );
        let s = schema(&with_auth());
        let c = s
            .validate(
                &json!({"auth": {"method": "api_key", "apiKey": "deadbeef00"}, "sandbox": false}),
            )
            .unwrap();
        let wire = s.to_wire(&c, "https://x.example/");
        assert_eq!(
            serde_json::to_value(&wire).unwrap()["parameters"],
            json!([{"key": "auth", "value": "api_key"}, {"key": "apiKey", "value": "deadbeef00"},
                   {"key": "rooms", "value": "3"}, {"key": "sandbox", "value": "false"}])
        );
        assert_eq!(wire.redacted()["parameters"][1]["value"], json!("***"));
        let c = s
            .validate(
                &json!({"auth": {"method": "basic", "user": "u", "password": "p"}, "rooms": 12}),
            )
            .unwrap();
        let wire = s.to_wire(&c, "https://x.example/");
        assert_eq!(wire.username.as_deref(), Some("u"));
        assert_eq!(wire.password.as_deref(), Some("p"));
        assert_eq!(
            serde_json::to_value(&wire).unwrap()["parameters"],
            json!([{"key": "auth", "value": "basic"}, {"key": "rooms", "value": "12"}])
        );
    }

    proptest! {
        #[test]
        fn masking_never_reveals_more_than_two_characters(secret in "\\PC{0,40}") {
            let masked = mask(&secret);
            let chars: Vec<char> = masked.chars().collect();
            prop_assert_eq!(chars.len(), MASK_WIDTH);
            prop_assert!(chars[..MASK_WIDTH - 2].iter().all(|c| *c == MASK_CHAR));
            let tail: String = chars[MASK_WIDTH - 2..].iter().collect();
            let secret_chars: Vec<char> = secret.chars().collect();
            if tail != "••" {
                prop_assert!(secret_chars.len() >= MIN_LEN_TO_REVEAL);
                let last: String = secret_chars[secret_chars.len() - 2..].iter().collect();
                prop_assert_eq!(tail, last);
            }
        }
    }
}
