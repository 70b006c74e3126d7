//! Front matter in Hugo's three spellings: TOML between `+++` lines, YAML
//! between `---` lines, or a JSON object at the top of the file.

use serde_json::{Map, Value};

use super::ImportError;

/// Front matter keys and values, whatever the spelling was.
pub(super) type Fields = Map<String, Value>;

/// Splits a file into its front matter (empty when there is none) and body.
pub(super) fn split(raw: &str) -> Result<(Fields, &str), ImportError> {
    let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    let start = raw.trim_start();
    if is_json_object(start) {
        return json(start);
    }
    for (fence, format) in [("+++", Format::Toml), ("---", Format::Yaml)] {
        if first_line(start) == fence {
            return fenced(start, fence, format);
        }
    }
    Ok((Fields::new(), raw))
}

/// `{` then a key or `}`: a JSON object, not a `{{< shortcode >}}`.
fn is_json_object(s: &str) -> bool {
    s.strip_prefix('{')
        .is_some_and(|rest| rest.trim_start().starts_with(['"', '}']))
}

#[derive(Debug, Clone, Copy)]
enum Format {
    Toml,
    Yaml,
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("").trim_end()
}

fn fenced<'a>(s: &'a str, fence: &str, format: Format) -> Result<(Fields, &'a str), ImportError> {
    let after_open = s.find('\n').map_or("", |i| &s[i + 1..]);
    let mut offset = 0;
    for line in after_open.split_inclusive('\n') {
        let bare = line.trim_end();
        let closes = bare == fence || (matches!(format, Format::Yaml) && bare == "...");
        if closes {
            let text = &after_open[..offset];
            let body = &after_open[offset + line.len()..];
            return Ok((parse(text, format)?, body));
        }
        offset += line.len();
    }
    Err(ImportError::FrontMatter(format!(
        "{} front matter has no closing `{fence}` line",
        name(format)
    )))
}

fn name(format: Format) -> &'static str {
    match format {
        Format::Toml => "TOML",
        Format::Yaml => "YAML",
    }
}

fn parse(text: &str, format: Format) -> Result<Fields, ImportError> {
    let value = match format {
        Format::Toml => toml::from_str::<Value>(text).map_err(|e| e.to_string()),
        Format::Yaml => serde_yaml_ng::from_str::<Value>(text).map_err(|e| e.to_string()),
    };
    let value = value.map_err(|e| {
        ImportError::FrontMatter(format!(
            "broken {} front matter: {}",
            name(format),
            one_line(&e)
        ))
    })?;
    match value {
        Value::Object(fields) => Ok(fields),
        Value::Null => Ok(Fields::new()),
        _ => Err(ImportError::FrontMatter(format!(
            "{} front matter is not a table of keys",
            name(format)
        ))),
    }
}

/// A JSON object followed by the body.
fn json(s: &str) -> Result<(Fields, &str), ImportError> {
    let mut stream = serde_json::Deserializer::from_str(s).into_iter::<Map<String, Value>>();
    match stream.next() {
        Some(Ok(fields)) => Ok((fields, &s[stream.byte_offset()..])),
        Some(Err(e)) => Err(ImportError::FrontMatter(format!(
            "broken JSON front matter: {e}"
        ))),
        None => Err(ImportError::FrontMatter("empty JSON front matter".into())),
    }
}

/// A parser's message on one line: toml quotes the source over several.
fn one_line(message: &str) -> String {
    let lines: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    match (lines.first(), lines.last()) {
        (Some(first), Some(last)) if lines.len() > 1 => format!("{first}: {last}"),
        (Some(first), _) => (*first).to_string(),
        _ => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_three_spellings() {
        let (f, body) = split("+++\ntitle = \"A\"\n+++\nBody\n").expect("toml");
        assert_eq!((f["title"].as_str(), body), (Some("A"), "Body\n"));
        let (f, body) = split("---\ntitle: B\ntags: [x]\n---\n\nBody").expect("yaml");
        assert_eq!((f["title"].as_str(), body), (Some("B"), "\nBody"));
        let (f, body) =
            split("\u{feff} {\"title\": \"C}\", \"n\": {\"a\": 1}}\n## Body").expect("json");
        assert_eq!((f["title"].as_str(), body), (Some("C}"), "\n## Body"));
        let (f, body) = split("# Plain\n").expect("none");
        assert!(f.is_empty());
        assert_eq!(body, "# Plain\n");
    }

    #[test]
    fn names_the_problem() {
        let e = split("+++\ntitle = \"A\n+++\nx").expect_err("broken");
        assert!(
            e.to_string()
                .starts_with("broken TOML front matter: TOML parse error at line 1"),
            "{e}"
        );
        assert!(!e.to_string().contains('\n'));
        let e = split("---\ntitle: A\n").expect_err("open");
        assert_eq!(e.to_string(), "YAML front matter has no closing `---` line");
        assert!(split("{{% notice %}}").expect("shortcode").0.is_empty());
        let e = split("{\"title\": }").expect_err("json");
        assert!(e.to_string().starts_with("broken JSON front matter"), "{e}");
        let e = split("---\n- a\n---\n").expect_err("list");
        assert_eq!(e.to_string(), "YAML front matter is not a table of keys");
    }
}
