//! The HTML side: partner portal, staff console and admin pages, rendered
//! on the server with askama templates (checked at compile time) and
//! enhanced with htmx where a partial update helps. Every asset is embedded.

mod admin;
mod assets;
mod case;
mod connections;
mod dashboard;
mod error;
mod kb;
mod new_case;
mod portal;
mod signin;
mod staff;
pub(crate) mod view;

pub use error::PageError;
pub use portal::{csrf_token, same_token};

use axum::Router;
use frontdesk_app::App;

pub fn routes() -> Router<App> {
    Router::new()
        .merge(signin::routes())
        .merge(dashboard::routes())
        .merge(case::routes())
        .merge(connections::routes())
        .merge(new_case::routes())
        .merge(kb::routes())
        .merge(staff::routes())
        .merge(admin::routes())
        .merge(assets::routes())
        .layer(axum::middleware::from_fn(portal::page_headers))
}

/// The page for a path nobody serves.
pub async fn not_found() -> PageError {
    PageError::NotFound("There is no page at this address.".into())
}
