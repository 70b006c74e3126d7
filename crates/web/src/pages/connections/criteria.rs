//! An access's search criteria (SELLER-API §4) as form inputs instead of
//! JSON: the schema is fixed, so it maps onto a handful of inputs, and this
//! is the one place converting between the two. Limits stay with the use
//! cases (their errors come back keyed `search_criteria.<key>`); only what
//! cannot be sent at all (a word where a number goes) is reported here.

use super::{Errs, Fields};
use serde_json::{Map, Value, json};

/// Rooms on the form (the schema allows 1 to 4).
const ROOMS: usize = 4;

/// The criteria as the texts of their inputs (`sc.<key>` in a post).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Criteria {
    /// `hotels` or `destinations`: what `codes` lists.
    pub scope: String,
    pub codes: String,
    pub offset: String,
    pub nights: String,
    /// The ages of each room's guests, e.g. "30, 30, 8".
    pub rooms: [String; ROOMS],
    pub nationality: String,
    pub markets: String,
    pub currency: String,
}

/// Codes or ages typed with commas, semicolons, spaces or line breaks.
fn list(raw: &str) -> Vec<String> {
    raw.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn joined(v: Option<&Value>) -> String {
    v.and_then(Value::as_array)
        .map(|a| a.iter().map(text).collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

impl Criteria {
    pub fn from_form(form: &Fields) -> Self {
        let get = |k: &str| form.get(&format!("sc.{k}")).to_owned();
        Self {
            scope: get("scope"),
            codes: get("codes"),
            offset: get("checkInOffsetDays"),
            nights: get("nights"),
            rooms: std::array::from_fn(|i| get(&format!("room{}", i + 1))),
            nationality: get("nationality"),
            markets: get("markets"),
            currency: get("currency"),
        }
    }

    /// The inputs for stored criteria (`None`: all blank).
    pub fn from_value(v: Option<&Value>) -> Self {
        let Some(v) = v.filter(|v| v.is_object()) else {
            return Self::default();
        };
        let rooms: Vec<String> = v
            .get("occupancies")
            .and_then(Value::as_array)
            .map(|rooms| {
                rooms
                    .iter()
                    .map(|r| {
                        r.get("paxes")
                            .and_then(Value::as_array)
                            .map(|p| {
                                p.iter()
                                    .map(|x| x.get("age").map(text).unwrap_or_default())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            })
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let destinations = v.get("destinations").is_some();
        Self {
            scope: if destinations {
                "destinations"
            } else {
                "hotels"
            }
            .to_owned(),
            codes: joined(v.get(if destinations {
                "destinations"
            } else {
                "hotels"
            })),
            offset: v.get("checkInOffsetDays").map(text).unwrap_or_default(),
            nights: v.get("nights").map(text).unwrap_or_default(),
            rooms: std::array::from_fn(|i| rooms.get(i).cloned().unwrap_or_default()),
            nationality: v.get("nationality").map(text).unwrap_or_default(),
            markets: joined(v.get("markets")),
            currency: v.get("currency").map(text).unwrap_or_default(),
        }
    }

    /// The criteria object to send; `None` when every input is blank. A
    /// number that does not parse is a field error (and left out).
    pub fn to_value(&self, errors: &mut Errs) -> Option<Value> {
        let mut c = Map::new();
        let codes = list(&self.codes);
        if !codes.is_empty() {
            let key = if self.scope == "destinations" {
                "destinations"
            } else {
                "hotels"
            };
            c.insert(key.into(), json!(codes));
        }
        for (key, raw, unit) in [
            ("checkInOffsetDays", &self.offset, "days"),
            ("nights", &self.nights, "nights"),
        ] {
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            match raw.parse::<i64>() {
                Ok(n) => {
                    c.insert(key.into(), json!(n));
                }
                Err(_) => errors.add(
                    &format!("search_criteria.{key}"),
                    format!("a whole number of {unit}"),
                ),
            }
        }
        let mut rooms = Vec::new();
        for (i, room) in self.rooms.iter().enumerate() {
            let ages: Result<Vec<i64>, _> = list(room).iter().map(|a| a.parse::<i64>()).collect();
            match ages {
                Ok(ages) if ages.is_empty() => {}
                Ok(ages) => rooms.push(json!({"paxes": ages
                    .iter()
                    .map(|age| json!({"age": age}))
                    .collect::<Vec<_>>()})),
                Err(_) => errors.add(
                    "search_criteria.occupancies",
                    format!(
                        "room {}: the guests' ages as whole numbers, e.g. 30, 30, 8",
                        i + 1
                    ),
                ),
            }
        }
        if !rooms.is_empty() {
            c.insert("occupancies".into(), json!(rooms));
        }
        let upper = |s: &str| s.trim().to_uppercase();
        if !self.nationality.trim().is_empty() {
            c.insert("nationality".into(), json!(upper(&self.nationality)));
        }
        let markets: Vec<String> = list(&self.markets).iter().map(|m| upper(m)).collect();
        if !markets.is_empty() {
            c.insert("markets".into(), json!(markets));
        }
        if !self.currency.trim().is_empty() {
            c.insert("currency".into(), json!(upper(&self.currency)));
        }
        (!c.is_empty()).then_some(Value::Object(c))
    }

    /// The inputs as form pairs, for carrying them through the wizard.
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut out = vec![
            ("scope", self.scope.clone()),
            ("codes", self.codes.clone()),
            ("checkInOffsetDays", self.offset.clone()),
            ("nights", self.nights.clone()),
            ("nationality", self.nationality.clone()),
            ("markets", self.markets.clone()),
            ("currency", self.currency.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (format!("sc.{k}"), v))
        .collect::<Vec<_>>();
        for (i, r) in self.rooms.iter().enumerate() {
            out.push((format!("sc.room{}", i + 1), r.clone()));
        }
        out
    }

    /// The criteria in words, one row per key given.
    pub fn summary(&self) -> Vec<(String, String)> {
        let mut rows = Vec::new();
        let mut row = |label: &str, value: String| {
            if !value.is_empty() {
                rows.push((label.to_owned(), value));
            }
        };
        let codes = list(&self.codes).join(", ");
        if self.scope == "destinations" {
            row("Destinations", codes);
        } else {
            row("Hotels", codes);
        }
        let offset = self.offset.trim();
        if !offset.is_empty() {
            row("Check-in", format!("in {offset} days"));
        }
        row("Nights", self.nights.trim().to_owned());
        let rooms: Vec<String> = self
            .rooms
            .iter()
            .map(|r| list(r).join(", "))
            .filter(|r| !r.is_empty())
            .collect();
        row("Guests' ages by room", rooms.join(" · "));
        row("Nationality", self.nationality.trim().to_uppercase());
        row("Markets", list(&self.markets).join(", ").to_uppercase());
        row("Currency", self.currency.trim().to_uppercase());
        rows
    }

    fn is_blank(&self) -> bool {
        self.pairs()
            .iter()
            .all(|(k, v)| k == "sc.scope" || v.trim().is_empty())
    }
}

/// The criteria inputs of one form, with their errors and the defaults
/// the hints name.
#[derive(Debug)]
pub struct CriteriaInputs {
    /// The prefix of the inputs' ids (`new`, `edit`, `fix`).
    pub id: &'static str,
    pub c: Criteria,
    /// The installation's default market.
    pub market: String,
    errors: Vec<(&'static str, String)>,
}

impl CriteriaInputs {
    pub fn new(id: &'static str, c: Criteria, errors: &Errs, market: &str) -> Self {
        let mut by_input = vec![(
            "codes",
            [
                errors.get("search_criteria.hotels"),
                errors.get("search_criteria.destinations"),
                // "hotels or destinations, not both"
                errors.only("search_criteria."),
            ]
            .into_iter()
            .filter(|e| !e.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        )];
        for key in [
            "checkInOffsetDays",
            "nights",
            "occupancies",
            "nationality",
            "markets",
            "currency",
        ] {
            by_input.push((key, errors.get(&format!("search_criteria.{key}"))));
        }
        by_input.push(("", errors.only("search_criteria")));
        Self {
            id,
            c,
            market: market.to_owned(),
            errors: by_input,
        }
    }

    /// The error of one input (`codes`, a schema key, or "" for the whole).
    pub fn err(&self, input: &str) -> &str {
        self.errors
            .iter()
            .find(|(k, _)| *k == input)
            .map_or("", |(_, e)| e.as_str())
    }

    /// The text of one single-line input, by its schema key.
    pub fn value(&self, key: &str) -> &str {
        match key {
            "checkInOffsetDays" => &self.c.offset,
            "nights" => &self.c.nights,
            "nationality" => &self.c.nationality,
            "markets" => &self.c.markets,
            "currency" => &self.c.currency,
            _ => "",
        }
    }

    /// Whether to show the inputs unfolded: something given or wrong.
    pub fn open(&self) -> bool {
        !self.c.is_blank() || self.errors.iter().any(|(_, e)| !e.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{"destinations": ["PTLIS"], "checkInOffsetDays": 60, "nights": 3,
        "occupancies": [{"paxes": [{"age": 35}, {"age": 33}, {"age": 8}]}],
        "nationality": "GB", "markets": ["GB"], "currency": "EUR"}"#;

    #[test]
    fn the_example_round_trips() {
        let v: Value = serde_json::from_str(EXAMPLE).unwrap_or_default();
        let c = Criteria::from_value(Some(&v));
        assert_eq!(c.scope, "destinations");
        assert_eq!(c.rooms[0], "35, 33, 8");
        let mut errors = Errs::default();
        assert_eq!(c.to_value(&mut errors), Some(v));
        assert!(!errors.any());
        // Through a post too.
        let form = Fields(c.pairs());
        assert_eq!(Criteria::from_form(&form), c);
    }

    #[test]
    fn blank_is_none() {
        let mut errors = Errs::default();
        let c = Criteria {
            scope: "hotels".into(),
            codes: " \n ".into(),
            ..Criteria::default()
        };
        assert_eq!(c.to_value(&mut errors), None);
        assert!(!errors.any());
        assert_eq!(Criteria::from_value(None), Criteria::default());
    }

    #[test]
    fn lists_split_and_codes_are_upper_case() {
        let c = Criteria {
            scope: "hotels".into(),
            codes: "H1, H2\nH3".into(),
            rooms: ["30 30".into(), String::new(), "40;2".into(), String::new()],
            nationality: " gb ".into(),
            markets: "gb, es".into(),
            ..Criteria::default()
        };
        let mut errors = Errs::default();
        assert_eq!(
            c.to_value(&mut errors),
            Some(json!({"hotels": ["H1", "H2", "H3"],
                "occupancies": [{"paxes": [{"age": 30}, {"age": 30}]}, {"paxes": [{"age": 40}, {"age": 2}]}],
                "nationality": "GB", "markets": ["GB", "ES"]}))
        );
        assert_eq!(
            c.summary()[0],
            ("Hotels".to_owned(), "H1, H2, H3".to_owned())
        );
    }

    #[test]
    fn bad_numbers_are_field_errors() {
        let c = Criteria {
            offset: "soon".into(),
            nights: "3".into(),
            rooms: [
                String::new(),
                "30, two".into(),
                String::new(),
                String::new(),
            ],
            ..Criteria::default()
        };
        let mut errors = Errs::default();
        assert_eq!(c.to_value(&mut errors), Some(json!({"nights": 3})));
        let inputs = CriteriaInputs::new("edit", c, &errors, "ES");
        assert_eq!(inputs.err("checkInOffsetDays"), "A whole number of days");
        assert!(inputs.err("occupancies").starts_with("Room 2:"));
        assert_eq!(inputs.err("nights"), "");
        assert!(inputs.open());
    }

    #[test]
    fn service_errors_land_at_their_inputs() {
        let mut errors = Errs::default();
        errors.add("search_criteria.", "give hotels or destinations, not both");
        errors.add("search_criteria.nights", "between 1 and 30 nights");
        errors.add("search_criteria", "unknown field `x`");
        let inputs = CriteriaInputs::new("new", Criteria::default(), &errors, "ES");
        assert_eq!(inputs.err("codes"), "Give hotels or destinations, not both");
        assert_eq!(inputs.err("nights"), "Between 1 and 30 nights");
        assert_eq!(inputs.err(""), "Unknown field `x`");
    }
}
