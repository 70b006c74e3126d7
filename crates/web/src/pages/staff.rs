//! (being written)

use axum::Router;
use frontdesk_app::App;

pub fn routes() -> Router<App> {
    Router::new()
}
