//! Credential fields as form controls: the schema's fields read as `Spec`s,
//! the controls for them, the credentials object read back from a post,
//! and the settings as people see them. An alternatives (`oneOf`) field is
//! a radio group with each alternative's own fields under its radio; every
//! alternative has inputs of its own (all on the page without JavaScript),
//! and only the chosen one's are read back.

use super::{Errs, Fields};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One credential field of a schema, read through its JSON form (the
/// schema types live in the activation crate).
#[derive(Debug, Clone, Deserialize)]
pub struct Spec {
    pub name: String,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub secret: bool,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub default: Option<Value>,
    #[serde(default)]
    pub examples: Vec<Value>,
    #[serde(default)]
    pub pattern_descriptor: Option<String>,
    /// Alternatives: the property whose value names the chosen one.
    #[serde(default)]
    pub discriminator: Option<String>,
    #[serde(default)]
    pub alternatives: Vec<Branch>,
    /// The current value (field views only).
    #[serde(default)]
    pub value: Value,
}

/// One alternative of a `oneOf` field.
#[derive(Debug, Clone, Deserialize)]
pub struct Branch {
    /// The discriminator's value choosing it.
    pub value: String,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Its fields, without the discriminator.
    #[serde(default)]
    pub fields: Vec<Spec>,
}

impl Spec {
    fn is_alternatives(&self) -> bool {
        self.kind == "alternatives"
    }

    /// The alternative the stored value chose.
    fn stored_branch(&self) -> Option<&Branch> {
        let chosen = self.value.get(self.discriminator.as_deref()?)?.as_str()?;
        self.alternatives.iter().find(|b| b.value == chosen)
    }

    fn help(&self) -> String {
        [
            self.description.as_deref(),
            self.pattern_descriptor.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
    }
}

/// The specs of a list of schema fields or field views.
pub fn specs<T: Serialize>(fields: &T) -> Vec<Spec> {
    serde_json::to_value(fields)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// A value as the text of a form control.
pub fn text_of(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    }
}

/// The form key of a top-level field (for alternatives, of its radios).
fn key(name: &str) -> String {
    format!("cred.{name}")
}

/// The form key of a field of one alternative.
fn branch_key(field: &str, branch: &str, name: &str) -> String {
    format!("cred.{field}.{branch}.{name}")
}

fn slug(s: &str) -> String {
    s.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
}

/// Every form key of `specs` with its field: top-level fields, the radios
/// of alternatives and the fields of each alternative.
pub fn form_keys(specs: &[Spec]) -> Vec<(String, &Spec)> {
    let mut out = Vec::new();
    for s in specs {
        out.push((key(&s.name), s));
        for b in &s.alternatives {
            for f in &b.fields {
                out.push((branch_key(&s.name, &b.value, &f.name), f));
            }
        }
    }
    out
}

/// One credential control on a form.
#[derive(Debug, Clone, Default)]
pub struct Input {
    pub key: String,
    pub id: String,
    pub label: String,
    /// `text`, `password`, `number`, `checkbox`, `select` or `alternatives`.
    pub control: &'static str,
    pub required: bool,
    /// Inside an alternative: `required` is only marked, not enforced by
    /// the browser, as the alternatives not chosen are on the page too.
    pub in_branch: bool,
    pub help: String,
    pub placeholder: String,
    pub value: String,
    pub checked: bool,
    pub options: Vec<String>,
    pub error: String,
    /// Edit forms: a blank secret keeps the stored one.
    pub keep_hint: bool,
    /// Alternatives: one radio with its fields each.
    pub branches: Vec<BranchInput>,
}

/// One alternative's radio and fields.
#[derive(Debug, Clone)]
pub struct BranchInput {
    pub value: String,
    pub id: String,
    pub label: String,
    pub help: String,
    pub checked: bool,
    pub inputs: Vec<Input>,
}

/// The controls for `specs`, valued from `values` (a post, or
/// [`stored_fields`]), with the errors of `credentials.<name>`;
/// `keep_secrets` on edit forms, where a blank secret keeps the stored one.
pub fn inputs(
    specs: &[Spec],
    prefix: &str,
    values: &Fields,
    errors: &Errs,
    keep_secrets: bool,
) -> Vec<Input> {
    specs
        .iter()
        .map(|s| {
            let id = format!("{prefix}-cred-{}", slug(&s.name));
            if s.is_alternatives() {
                alternatives_input(s, id, values, errors, keep_secrets)
            } else {
                let error = errors.get(&format!("credentials.{}", s.name));
                simple_input(s, key(&s.name), id, values, error, keep_secrets && s.secret)
            }
        })
        .collect()
}

fn simple_input(
    s: &Spec,
    key: String,
    id: String,
    values: &Fields,
    error: String,
    keep: bool,
) -> Input {
    let control = if s.secret {
        "password"
    } else if !s.options.is_empty() {
        "select"
    } else {
        match s.kind.as_str() {
            "integer" => "number",
            "boolean" => "checkbox",
            _ => "text",
        }
    };
    Input {
        control,
        required: s.required && !keep,
        label: s.title.clone(),
        help: s.help(),
        placeholder: s.examples.first().map(text_of).unwrap_or_default(),
        checked: values.checked(&key),
        value: if s.secret {
            String::new()
        } else {
            values.get(&key).to_owned()
        },
        options: s.options.clone(),
        error,
        keep_hint: keep,
        key,
        id,
        ..Input::default()
    }
}

/// A radio per alternative, each with its fields; errors of the chosen
/// alternative's fields land at its inputs, the rest at the group.
fn alternatives_input(
    s: &Spec,
    id: String,
    values: &Fields,
    errors: &Errs,
    keep_secrets: bool,
) -> Input {
    let key = key(&s.name);
    let chosen = values.get(&key);
    let field = format!("credentials.{}", s.name);
    let stored = s.stored_branch().map(|b| b.value.as_str());
    let mut error = vec![errors.only(&field)];
    if let Some(d) = &s.discriminator {
        error.push(errors.only(&format!("{field}.{d}")));
    }
    let branches = s
        .alternatives
        .iter()
        .map(|b| {
            let bid = format!("{id}-{}", slug(&b.value));
            let checked = b.value == chosen;
            let inputs = b
                .fields
                .iter()
                .map(|f| {
                    let error = if checked {
                        errors.get(&format!("{field}.{}", f.name))
                    } else {
                        String::new()
                    };
                    let keep = keep_secrets && f.secret && stored == Some(b.value.as_str());
                    let k = branch_key(&s.name, &b.value, &f.name);
                    let fid = format!("{bid}-{}", slug(&f.name));
                    Input {
                        in_branch: true,
                        ..simple_input(f, k, fid, values, error, keep)
                    }
                })
                .collect();
            BranchInput {
                value: b.value.clone(),
                id: bid,
                label: b.title.clone(),
                help: b.description.clone().unwrap_or_default(),
                checked,
                inputs,
            }
        })
        .collect();
    Input {
        control: "alternatives",
        required: s.required,
        label: s.title.clone(),
        help: s.help(),
        error: error
            .into_iter()
            .filter(|e| !e.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        branches,
        key,
        id,
        ..Input::default()
    }
}

/// The stored values of field views as a post would carry them.
pub fn stored_fields(specs: &[Spec]) -> Fields {
    let mut out = Vec::new();
    for s in specs {
        if !s.is_alternatives() {
            out.push((key(&s.name), text_of(&s.value)));
            continue;
        }
        let Some(b) = s.stored_branch() else {
            continue;
        };
        out.push((key(&s.name), b.value.clone()));
        for f in &b.fields {
            let v = s.value.get(&f.name).map(text_of).unwrap_or_default();
            out.push((branch_key(&s.name, &b.value, &f.name), v));
        }
    }
    Fields(out)
}

/// The credentials object from a post; a value that does not parse is sent
/// as text so the schema check reports it. Of an alternatives field only
/// the chosen alternative's fields are read, under its discriminator.
pub fn credentials_from(specs: &[Spec], form: &Fields) -> Value {
    let mut out = Map::new();
    for s in specs {
        let key = key(&s.name);
        if !s.is_alternatives() {
            if let Some(v) = posted(s, &key, form) {
                out.insert(s.name.clone(), v);
            }
            continue;
        }
        let chosen = form.get(&key).trim();
        if chosen.is_empty() {
            continue;
        }
        let mut obj = Map::new();
        if let Some(d) = &s.discriminator {
            obj.insert(d.clone(), Value::String(chosen.to_owned()));
        }
        for f in s
            .alternatives
            .iter()
            .filter(|b| b.value == chosen)
            .flat_map(|b| &b.fields)
        {
            if let Some(v) = posted(f, &branch_key(&s.name, chosen, &f.name), form) {
                obj.insert(f.name.clone(), v);
            }
        }
        out.insert(s.name.clone(), Value::Object(obj));
    }
    Value::Object(out)
}

/// One posted simple value; blank is absent (a blank secret on an edit
/// keeps the stored one).
fn posted(s: &Spec, key: &str, form: &Fields) -> Option<Value> {
    let raw = form.get(key).trim();
    match s.kind.as_str() {
        "boolean" => Some(Value::Bool(form.checked(key))),
        _ if raw.is_empty() => None,
        "integer" => Some(
            raw.parse::<i64>()
                .map_or_else(|_| Value::String(raw.to_owned()), Value::from),
        ),
        // Secrets as typed: spaces may belong to them.
        _ if s.secret => Some(Value::String(form.get(key).to_owned())),
        _ => Some(Value::String(raw.to_owned())),
    }
}

/// One setting as people see it.
#[derive(Debug)]
pub struct Setting {
    pub label: String,
    pub value: String,
    pub secret: bool,
}

/// The settings in `values` (a credentials object) as people see them: an
/// alternatives field as the chosen alternative's title, then its fields.
/// Secrets show their stored mask, or bullets when `plain` (a request not
/// stored yet).
pub fn settings(specs: &[Spec], values: &Value, plain: bool) -> Vec<Setting> {
    let mut out = Vec::new();
    for s in specs {
        let v = values.get(&s.name).unwrap_or(&Value::Null);
        if !s.is_alternatives() {
            out.push(setting(s, v, plain));
            continue;
        }
        let chosen = s
            .discriminator
            .as_deref()
            .and_then(|d| v.get(d))
            .and_then(Value::as_str);
        let branch = s
            .alternatives
            .iter()
            .find(|b| Some(b.value.as_str()) == chosen);
        out.push(Setting {
            label: s.title.clone(),
            value: branch.map(|b| b.title.clone()).unwrap_or_default(),
            secret: false,
        });
        for f in branch.into_iter().flat_map(|b| &b.fields) {
            out.push(setting(f, v.get(&f.name).unwrap_or(&Value::Null), plain));
        }
    }
    out
}

fn setting(s: &Spec, v: &Value, plain: bool) -> Setting {
    let text = text_of(v);
    let value = if v.is_null() {
        String::new()
    } else if s.secret && (plain || text.is_empty()) {
        "•".repeat(if plain { 8 } else { 4 })
    } else if let Value::Bool(b) = v {
        if *b { "Yes" } else { "No" }.to_owned()
    } else {
        text
    };
    Setting {
        label: s.title.clone(),
        value,
        secret: s.secret,
    }
}

/// The current values of field views as one credentials object.
pub fn values_of(specs: &[Spec]) -> Value {
    Value::Object(
        specs
            .iter()
            .map(|s| (s.name.clone(), s.value.clone()))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn auth() -> Vec<Spec> {
        serde_json::from_value(json!([
            {"name": "code", "title": "Code", "type": "string"},
            {"name": "auth", "title": "Authentication", "type": "alternatives", "required": true,
             "discriminator": "method", "alternatives": [
                {"value": "basic", "title": "User and password", "fields": [
                    {"name": "user", "title": "User", "type": "string", "required": true},
                    {"name": "password", "title": "Password", "type": "string", "required": true, "secret": true}]},
                {"value": "api_key", "title": "API key", "fields": [
                    {"name": "apiKey", "title": "API key", "type": "string", "required": true, "secret": true}]}]}
        ]))
        .unwrap_or_default()
    }

    fn form(pairs: &[(&str, &str)]) -> Fields {
        Fields(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn simple_credentials_keep_types() {
        let specs: Vec<Spec> = serde_json::from_value(json!([
            {"name": "user", "title": "User", "type": "string"},
            {"name": "n", "title": "N", "type": "integer"},
            {"name": "b", "title": "B", "type": "boolean"},
            {"name": "blank", "title": "Blank", "type": "string"}
        ]))
        .unwrap_or_default();
        let f = form(&[
            ("cred.user", " u "),
            ("cred.n", "5"),
            ("cred.b", "on"),
            ("cred.blank", ""),
        ]);
        assert_eq!(
            credentials_from(&specs, &f),
            json!({"user": "u", "n": 5, "b": true})
        );
    }

    #[test]
    fn only_the_chosen_alternative_is_read() {
        let f = form(&[
            ("cred.code", "C1"),
            ("cred.auth", "api_key"),
            ("cred.auth.basic.user", "someone"),
            ("cred.auth.api_key.apiKey", "k-123"),
        ]);
        assert_eq!(
            credentials_from(&auth(), &f),
            json!({"code": "C1", "auth": {"method": "api_key", "apiKey": "k-123"}})
        );
        // Nothing chosen: no object, so a required field is reported.
        let f = form(&[("cred.auth.basic.user", "someone")]);
        assert_eq!(credentials_from(&auth(), &f), json!({}));
    }

    #[test]
    fn alternatives_render_as_radios_with_errors_in_place() {
        let mut errors = Errs::default();
        errors.add("credentials.auth.apiKey", "required");
        errors.add("credentials.auth.method", "must be one of: basic, api_key");
        let f = form(&[("cred.auth", "api_key")]);
        let list = inputs(&auth(), "new", &f, &errors, false);
        let a = &list[1];
        assert_eq!(a.control, "alternatives");
        assert_eq!(a.error, "Must be one of: basic, api_key");
        let [basic, key] = &a.branches[..] else {
            panic!("two alternatives");
        };
        assert!(!basic.checked && key.checked);
        assert_eq!(key.inputs[0].key, "cred.auth.api_key.apiKey");
        assert_eq!(key.inputs[0].id, "new-cred-auth-api-key-apiKey");
        assert_eq!(key.inputs[0].control, "password");
        assert_eq!(key.inputs[0].error, "Required");
        assert!(key.inputs[0].in_branch && key.inputs[0].required);
        assert!(basic.inputs.iter().all(|i| i.error.is_empty()));
    }

    #[test]
    fn stored_alternatives_fill_the_form_and_keep_their_secrets() {
        let mut specs = auth();
        specs[1].value = json!({"method": "basic", "user": "u1", "password": ""});
        let stored = stored_fields(&specs);
        assert_eq!(stored.get("cred.auth"), "basic");
        assert_eq!(stored.get("cred.auth.basic.user"), "u1");
        let list = inputs(&specs, "edit", &stored, &Errs::default(), true);
        let [basic, key] = &list[1].branches[..] else {
            panic!("two alternatives");
        };
        assert_eq!(basic.inputs[0].value, "u1");
        assert!(basic.inputs[1].keep_hint && !basic.inputs[1].required);
        // The other alternative has no stored secret to keep.
        assert!(!key.inputs[0].keep_hint && key.inputs[0].required);
    }

    #[test]
    fn settings_show_the_chosen_alternative_masked() {
        let shown = |v: Value, plain: bool| {
            settings(&auth(), &v, plain)
                .into_iter()
                .map(|s| format!("{}={}", s.label, s.value))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            shown(
                json!({"code": "C", "auth": {"method": "api_key", "apiKey": "••23"}}),
                false
            ),
            ["Code=C", "Authentication=API key", "API key=••23"]
        );
        assert_eq!(
            shown(
                json!({"auth": {"method": "api_key", "apiKey": "k-123"}}),
                true
            ),
            ["Code=", "Authentication=API key", "API key=••••••••"]
        );
    }
}
