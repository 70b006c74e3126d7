//! Identifier newtypes, so a case id can never be passed where a user id is meant.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type!(
    /// A case number, shown to people as `#1234`.
    CaseId
);
id_type!(
    /// An organization (a partner company).
    OrgId
);
id_type!(
    /// A person who signs in: partner user, staff member or administrator.
    UserId
);
id_type!(
    /// A message or internal note of a case.
    MessageId
);
id_type!(
    /// A file attached to a case.
    AttachmentId
);
id_type!(
    /// A buyer's access to a seller (a requested connection).
    AccessId
);

impl CaseId {
    /// The reference people quote: `#1234`.
    pub fn reference(self) -> String {
        format!("#{}", self.0)
    }
}
