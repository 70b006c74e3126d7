use serde::{Deserialize, Serialize};

/// What a case is about; decides the team whose queue it lands in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Product maintenance and minor seller API updates.
    CustomerCare,
    /// One case per connection request, or a partner's connection question.
    Connections,
    Billing,
}

impl Category {
    pub const ALL: [Self; 3] = [Self::CustomerCare, Self::Connections, Self::Billing];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CustomerCare => "customer_care",
            Self::Connections => "connections",
            Self::Billing => "billing",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::CustomerCare => "Customer Care",
            Self::Connections => "Connections",
            Self::Billing => "Billing",
        }
    }

    /// The support team whose queue receives new cases of this category.
    pub fn default_team(self) -> &'static str {
        match self {
            Self::CustomerCare => "customer-care",
            Self::Connections => "connectivity",
            Self::Billing => "billing",
        }
    }
}
