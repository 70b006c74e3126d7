//! Organizations, memberships and staff teams.

use serde::{Deserialize, Serialize};

/// A partner's role inside one organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    Member,
    Admin,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "member" => Some(Self::Member),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// Who may see an organization's "Company cases" tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompanyVisibility {
    /// Every member (the default).
    Members,
    /// Only the organization's admins.
    Admins,
}

impl CompanyVisibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Members => "members",
            Self::Admins => "admins",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "members" => Some(Self::Members),
            "admins" => Some(Self::Admins),
            _ => None,
        }
    }
    /// Whether a member with `role` sees every case of the organization.
    pub fn allows(self, role: MemberRole) -> bool {
        matches!(
            (self, role),
            (Self::Members, _) | (Self::Admins, MemberRole::Admin)
        )
    }
}

/// Whether a staff team works a queue of its own or takes escalations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamKind {
    Support,
    Product,
}

impl TeamKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Support => "support",
            Self::Product => "product",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "support" => Some(Self::Support),
            "product" => Some(Self::Product),
            _ => None,
        }
    }
}

/// Validates a team or organization code: lower-case letters, digits and
/// dashes, 2 to 40 characters.
pub fn is_valid_slug(s: &str) -> bool {
    (2..=40).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_tab_visibility() {
        assert!(CompanyVisibility::Members.allows(MemberRole::Member));
        assert!(CompanyVisibility::Admins.allows(MemberRole::Admin));
        assert!(!CompanyVisibility::Admins.allows(MemberRole::Member));
    }

    #[test]
    fn slugs() {
        assert!(is_valid_slug("customer-care"));
        assert!(!is_valid_slug("Customer Care"));
        assert!(!is_valid_slug("-x"));
        assert!(!is_valid_slug("x"));
    }
}
