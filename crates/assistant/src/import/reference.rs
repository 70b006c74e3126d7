//! Text kept in front matter, turned into Markdown.
//!
//! Generated GraphQL reference pages carry everything in their front
//! matter (fields, arguments, enum values) and render it with shortcodes;
//! without this the knowledge base would see empty pages.

use std::fmt::Write as _;

use serde_json::Value;

use super::front_matter::Fields;

/// Keys that are layout or bookkeeping, never prose worth indexing.
const NOISE: &[&str] = &[
    "title",
    "linktitle",
    "description",
    "pagetitle",
    "weight",
    "icon",
    "svgicon",
    "alwaysopen",
    "hidegithublink",
    "draft",
    "date",
    "lastmod",
    "publishdate",
    "expirydate",
    "url",
    "aliases",
    "menu",
    "layout",
    "slug",
    "type",
    "sidebar",
    "permalink",
    "isdirectory",
    "hidden",
    "search",
    "categories",
    "category",
    "tags",
    "toc",
    "chapter",
    "pre",
    "post",
    "head",
    "default_user",
    "default_ak",
    "gists",
    "sidebar_position",
    "sidebar_label",
    "id",
    "image",
    "keywords",
];

/// Keys of the generated reference pages, rendered as sections.
const LISTS: &[(&str, &str)] = &[
    ("args", "Arguments"),
    ("fields", "Fields"),
    ("inputFields", "Input fields"),
    ("enumValues", "Values"),
    ("possibleTypes", "Possible types"),
    ("interfaces", "Interfaces"),
    ("requireby", "Required by"),
];

/// Markdown for the front matter's text: a line naming the GraphQL type,
/// a section per list (fields, values, …), then any other prose values.
pub(super) fn markdown(fields: &Fields) -> String {
    let mut out = String::new();
    if let (Some(name), Some(kind)) = (text(fields, "typename"), text(fields, "operator")) {
        let _ = writeln!(out, "`{name}` is a GraphQL {kind}.\n");
    }
    for (key, heading) in LISTS {
        let Some(items) = fields.get(*key).and_then(Value::as_array) else {
            continue;
        };
        let lines: Vec<String> = items.iter().filter_map(|item| entry(item, key)).collect();
        if lines.is_empty() {
            continue;
        }
        let _ = writeln!(out, "## {heading}\n");
        for line in lines {
            out.push_str(&line);
        }
        out.push('\n');
    }
    for (key, value) in fields {
        let lower = key.to_ascii_lowercase();
        let known = NOISE.contains(&lower.as_str())
            || LISTS.iter().any(|(k, _)| k.eq_ignore_ascii_case(key))
            || matches!(lower.as_str(), "typename" | "operator");
        if let Some(prose) = value.as_str().filter(|s| !known && is_prose(s)) {
            let _ = writeln!(out, "{}\n", one_line(prose));
        }
    }
    out
}

/// Whether a value reads as a sentence rather than a code or URL.
fn is_prose(s: &str) -> bool {
    let s = s.trim();
    s.chars().count() > 20 && s.contains(' ')
}

/// One list item: "- `name` (Type): description (deprecated: reason)",
/// with a field's arguments nested below it.
fn entry(item: &Value, key: &str) -> Option<String> {
    let name = item.get("name").and_then(Value::as_str)?;
    let mut line = format!("- `{name}`");
    if let Some(ty) = item.get("typeString").and_then(Value::as_str) {
        let _ = write!(line, " ({ty})");
    }
    if key != "requireby"
        && let Some(description) = text_of(item, "description")
    {
        let _ = write!(line, ": {}", one_line(description));
    }
    if item.get("isDeprecated").and_then(Value::as_bool) == Some(true) {
        line.push_str(&deprecation(item));
    }
    line.push('\n');
    for arg in item
        .get("args")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(nested) = entry(arg, "args") {
            let _ = write!(line, "  - argument {}", &nested[2..]);
        }
    }
    Some(line)
}

fn deprecation(item: &Value) -> String {
    let since = text_of(item, "deprecationDate").map(|d| format!(" since {d}"));
    let reason = text_of(item, "deprecationReason").map(|r| format!(": {}", one_line(r)));
    format!(
        " (deprecated{}{})",
        since.unwrap_or_default(),
        reason.unwrap_or_default()
    )
}

fn text<'a>(fields: &'a Fields, key: &str) -> Option<&'a str> {
    fields
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn text_of<'a>(item: &'a Value, key: &str) -> Option<&'a str> {
    item.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Descriptions go into list items, where a line break would end the item.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_fields_values_and_prose() {
        let fields: Fields = serde_json::from_str(
            r#"{"title": "Room", "typename": "Room", "operator": "type", "weight": 3,
               "fields": [
                 {"name": "code", "typeString": "String!", "description": "Room code\nfrom the seller.", "isDeprecated": false,
                  "args": [{"name": "lang", "typeString": "Language", "description": "Language of the code"}]},
                 {"name": "old", "typeString": "Int", "description": null, "isDeprecated": true, "deprecationReason": "Use code"}],
               "enumValues": null,
               "requireby": [{"name": "Hotel", "description": "ignored"}],
               "summary": "A room as the seller describes it.",
               "icon": "fa-bed with a space in it"}"#,
        )
        .expect("json");
        assert_eq!(
            markdown(&fields),
            "`Room` is a GraphQL type.\n\n## Fields\n\n\
             - `code` (String!): Room code from the seller.\n  - argument `lang` (Language): Language of the code\n\
             - `old` (Int) (deprecated: Use code)\n\n\
             ## Required by\n\n- `Hotel`\n\n\
             A room as the seller describes it.\n\n"
        );
    }
}
