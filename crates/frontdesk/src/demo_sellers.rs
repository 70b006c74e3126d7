//! The demo's sellers: the demo seller (SELLER-API.md §6) started in
//! process, its three sellers registered as organizations with their
//! connection types, and the key that seals credentials in the demo's data
//! directory.

use frontdesk_app::connections::{ConnectionTypeInput, SellerInput};
use frontdesk_app::{App, AppError, AppResult, Caller};
use frontdesk_domain::org::{CompanyVisibility, MemberRole};
use frontdesk_store::orgs::NewOrganization;
use std::path::Path;

/// Seller users of the demo (password: the demo's).
pub const SELLER_SIGN_INS: [(&str, &str, &str, &str); 2] = [
    (
        "rosa@mirador.example",
        "Rosa Mirador",
        "mirador",
        "seller: Mirador Hotels",
    ),
    (
        "tom@atlasbeds.example",
        "Tom Atlas",
        "atlasbeds",
        "seller: Atlas Beds",
    ),
];

/// Reads the demo's credential key from `data_dir/secret.key`, creating it
/// on first start; returns the configuration entry.
pub fn demo_secret_key(data_dir: &Path) -> anyhow::Result<String> {
    use frontdesk_activation::secrets::{KeyId, Keyring};
    let path = data_dir.join("secret.key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return Ok(existing.trim().to_owned());
    }
    std::fs::create_dir_all(data_dir)?;
    let ring = Keyring::generate(KeyId::parse("demo1").map_err(|e| anyhow::anyhow!("{e}"))?);
    let entry = ring.current_config_entry().expose().clone();
    std::fs::write(&path, format!("{entry}\n"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(entry)
}

/// Registers (or re-registers, with the current endpoints) the demo
/// sellers against a demo seller listening at `base_url`
/// (`http://127.0.0.1:7700`). `admin` performs the registration.
pub async fn register(app: &App, admin: &Caller, base_url: &str) -> AppResult<()> {
    let base = base_url.trim_end_matches('/');
    for spec in frontdesk_demo_seller::specs() {
        let code = spec.slug;
        let org = match app.store.organization_by_code(code).await? {
            Some(o) => o.id,
            None => {
                app.create_organization(NewOrganization {
                    code: code.into(),
                    name: spec.name.into(),
                    is_buyer: false,
                    is_seller: true,
                    active: true,
                    commercial_contract: true,
                    company_visibility: CompanyVisibility::Members,
                })
                .await?
            }
        };
        for t in &spec.types {
            let endpoint = |env: &str| {
                format!(
                    "{base}{}",
                    frontdesk_demo_seller::endpoint_path(spec.slug, t.kind, env)
                )
            };
            app.admin_save_connection_type(
                admin,
                org.0,
                t.kind,
                ConnectionTypeInput {
                    spec: t.schema.clone(),
                    endpoint_test: endpoint("test"),
                    endpoint_live: endpoint("live"),
                    default_search: None,
                    active: true,
                },
            )
            .await?;
        }
        app.admin_save_seller(
            admin,
            org.0,
            SellerInput {
                active: spec.active,
                description: format!(
                    "{} — demo seller (hotels in 8 European countries).",
                    spec.name
                ),
                activation_contacts: vec![format!("activation@{code}.example")],
            },
        )
        .await?;
    }
    Ok(())
}

/// Seller users who sign in to see the requests made to their company.
pub async fn seed_seller_users(app: &App, password: &str) -> AppResult<()> {
    for (email, name, org, _) in SELLER_SIGN_INS {
        let address = frontdesk_domain::EmailAddress::parse(email)
            .map_err(|e| AppError::invalid("email", e.to_string()))?;
        if app.store.user_by_email(&address).await?.is_none() {
            app.create_user(email, name, Some(password), false).await?;
        }
        app.set_membership(email, org, MemberRole::Admin).await?;
    }
    Ok(())
}

/// Starts the demo seller on `addr`, in this process, until the process
/// ends; returns its base URL.
pub async fn start(addr: &str) -> AppResult<String> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| AppError::Config(format!("demo seller cannot listen on {addr}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| AppError::Config(e.to_string()))?;
    tokio::spawn(async move {
        let seller = frontdesk_demo_seller::DemoSeller::new();
        if let Err(e) =
            frontdesk_demo_seller::serve(listener, seller, std::future::pending::<()>()).await
        {
            tracing::warn!(error = %e, "demo seller stopped");
        }
    });
    Ok(format!("http://{local}"))
}
