//! (being written)

use super::error::PageResult;
use super::portal::Portal;
use axum::Router;
use frontdesk_app::App;
use frontdesk_app::cases::CaseDetail;

pub fn routes() -> Router<App> {
    Router::new()
}

/// The staff tools on a case page (status, assignment, escalation, audit),
/// as HTML the case page embeds. Empty for partners.
pub async fn panel(_app: &App, _portal: &Portal, _detail: &CaseDetail) -> PageResult<String> {
    Ok(String::new())
}
