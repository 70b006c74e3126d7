//! The demo sellers' registration data (SELLER-API.md §5), so frontdesk can register them
//! with exactly the credential schemas the document shows.

use serde_json::{Value, json};

/// One demo seller as frontdesk registers it.
#[derive(Debug, Clone)]
pub struct DemoSellerSpec {
    /// Seller code, e.g. `"MIRADOR"`.
    pub code: &'static str,
    /// Path segment of its endpoints, e.g. `"mirador"`.
    pub slug: &'static str,
    pub name: &'static str,
    /// Inactive sellers are never offered to buyers.
    pub active: bool,
    pub types: Vec<DemoTypeSpec>,
}

/// One connection type of a demo seller.
#[derive(Debug, Clone)]
pub struct DemoTypeSpec {
    /// `"pull"` or `"push"`.
    pub kind: &'static str,
    /// The credential JSON schema of §5, verbatim.
    pub schema: Value,
}

fn mirador_schema() -> Value {
    json!({"$schema": "http://json-schema.org/draft-07/schema#", "title": "Mirador Hotels, Pull access", "type": "object",
     "required": ["url", "user", "password"], "properties": {
      "url": {"type": "string", "title": "Endpoint URL", "order": 0, "description": "The GraphQL endpoint Mirador gave you.",
              "pattern": "^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$",
              "pattern_descriptor": "http(s)://host[:port]/path, without query string"},
      "user": {"type": "string", "title": "User", "order": 1, "description": "XML user issued by Mirador.",
               "pattern": "^[A-Za-z0-9._@-]{2,64}$", "pattern_descriptor": "2 to 64 letters, digits or . _ @ -"},
      "password": {"type": "string", "title": "Password", "order": 2, "secret": true, "description": "Issued with the user."}}})
}

fn atlas_pull_schema() -> Value {
    json!({"title": "Atlas Beds, Pull access", "type": "object", "required": ["user", "password", "clientCode"], "properties": {
       "user": {"type": "string", "title": "User", "order": 0, "pattern": "^[A-Za-z0-9._@-]{2,64}$"},
       "password": {"type": "string", "title": "Password", "order": 1, "secret": true},
       "clientCode": {"type": "string", "title": "Client code", "order": 2, "examples": ["AGX-1042"], "description": "From Atlas's welcome email.",
                      "pattern": "^[A-Za-z0-9-]{2,32}$", "pattern_descriptor": "2 to 32 letters, digits or hyphens"},
       "currency": {"type": "string", "title": "Billing currency", "order": 3, "enum": ["EUR", "USD", "GBP"], "default": "EUR"}}})
}

fn atlas_push_schema() -> Value {
    json!({"title": "Atlas Beds, Push access", "type": "object", "required": ["clientCode"], "properties": {
       "clientCode": {"type": "string", "title": "Client code", "order": 0, "examples": ["AGX-1042"], "description": "Atlas loads your rates under it.",
                      "pattern": "^[A-Za-z0-9-]{2,32}$", "pattern_descriptor": "2 to 32 letters, digits or hyphens"},
       "rateType": {"type": "string", "title": "Rates loaded as", "order": 1, "enum": ["NET", "COMMISSIONABLE"], "default": "NET"}}})
}

/// Mirador (Pull, active), Atlas Beds (Pull and Push, active) and Dormant Stays (Pull with
/// Mirador's schema, inactive).
pub fn specs() -> Vec<DemoSellerSpec> {
    vec![
        DemoSellerSpec {
            code: "MIRADOR",
            slug: "mirador",
            name: "Mirador Hotels",
            active: true,
            types: vec![DemoTypeSpec {
                kind: "pull",
                schema: mirador_schema(),
            }],
        },
        DemoSellerSpec {
            code: "ATLASBEDS",
            slug: "atlasbeds",
            name: "Atlas Beds",
            active: true,
            types: vec![
                DemoTypeSpec {
                    kind: "pull",
                    schema: atlas_pull_schema(),
                },
                DemoTypeSpec {
                    kind: "push",
                    schema: atlas_push_schema(),
                },
            ],
        },
        DemoSellerSpec {
            code: "DORMANT",
            slug: "dormant",
            name: "Dormant Stays",
            active: false,
            types: vec![DemoTypeSpec {
                kind: "pull",
                schema: mirador_schema(),
            }],
        },
    ]
}
