//! `frontdesk`: serve, migrate, demo and administration commands.

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use frontdesk_app::Config;
use frontdesk_domain::org::{CompanyVisibility, MemberRole};
use frontdesk_store::orgs::NewOrganization;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "frontdesk",
    version,
    about = "Support and partner-connectivity portal"
)]
struct Cli {
    /// A TOML configuration file (then FRONTDESK_* variables override it).
    #[arg(long, global = true, env = "FRONTDESK_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory (SQLite database, maildir, attachments).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// `postgres://…` to use PostgreSQL instead of SQLite.
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server and the workers.
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Create a demo data directory with believable data and serve it.
    Demo {
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Seed and exit instead of serving.
        #[arg(long)]
        no_serve: bool,
        /// Where the SMTP listener takes replies to the demo's mails;
        /// `off` turns it off.
        #[arg(long, default_value = "127.0.0.1:2525")]
        smtp_listen: String,
        /// Where the in-process demo seller (SELLER-API.md) listens.
        #[arg(long, default_value = "127.0.0.1:7700")]
        seller_listen: String,
    },
    /// Serve the demo seller alone (SELLER-API.md §6).
    DemoSeller {
        #[arg(long, default_value_t = 7700)]
        port: u16,
    },
    /// Organizations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Users, memberships, staff and tokens.
    #[command(subcommand)]
    User(UserCommand),
    /// The knowledge base: import documentation, measure AIna, reindex.
    #[command(subcommand)]
    Kb(KbCommand),
    /// Inbound mail.
    #[command(subcommand)]
    Mail(MailCommand),
    /// The key sealing connection credentials: new keys and rotation.
    #[command(subcommand)]
    Secrets(SecretsCommand),
}

#[derive(Debug, Subcommand)]
enum SecretsCommand {
    /// Print a fresh key, `<id>:base64:<32 bytes>`, for
    /// `connections.secret_key` (nothing is stored).
    NewKey {
        /// The key's id, 1 to 16 characters of a-z and 0-9 (e.g. `k2027`).
        id: String,
    },
    /// Reseal every access's secrets (and duplicate fingerprint) under the
    /// current key; safe while servers run. Afterwards the older keys can
    /// be dropped from configuration.
    Reseal {
        /// Accesses per transaction.
        #[arg(long, default_value_t = 200)]
        batch: i64,
    },
    /// Count accesses per key id of their sealed secrets.
    Status,
}

#[derive(Debug, Subcommand)]
enum MailCommand {
    /// Take one raw message on standard input (for a mail server's pipe or
    /// .forward). Exit status 0: stored; 75 (EX_TEMPFAIL): retry later;
    /// 65 (EX_DATAERR): refused for good.
    Ingest {
        /// The envelope recipient, when the mail server passes it.
        #[arg(long)]
        recipient: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum KbCommand {
    /// Import a folder of Markdown/MDX articles (Hugo, Docusaurus); a
    /// re-import updates articles in place.
    Import {
        dir: PathBuf,
        /// Where the documentation is published, for each article's source link.
        #[arg(long)]
        base_url: Option<String>,
        /// Delete imported articles that are no longer in the folder.
        #[arg(long)]
        prune: bool,
    },
    /// Ask every question of a JSON Lines file and print recall@1/3/5 and MRR.
    Eval {
        questions: PathBuf,
        /// List every question whose expected article was not first.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Rebuild the search index from the database.
    Reindex,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long)]
    listen: Option<String>,
    /// Adds POST /api/v1/dev/clock to move time (administrators only).
    #[arg(long)]
    dev_clock: bool,
    /// all (default), web or worker.
    #[arg(long)]
    role: Option<String>,
    /// Log as JSON lines.
    #[arg(long)]
    json_logs: bool,
    /// Also accept inbound mail by SMTP here, e.g. 127.0.0.1:2525.
    #[arg(long)]
    smtp_listen: Option<String>,
}

#[derive(Debug, Subcommand)]
enum OrgCommand {
    /// Create an organization.
    Create {
        /// Short code, e.g. `acme-travel`.
        code: String,
        name: String,
        #[arg(long)]
        buyer: bool,
        #[arg(long)]
        seller: bool,
        #[arg(long)]
        contract: bool,
        #[arg(long)]
        inactive: bool,
        /// Show the Company cases tab to admins only.
        #[arg(long)]
        company_tab_admins_only: bool,
    },
    /// List organizations.
    List,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user (password from FRONTDESK_NEW_PASSWORD or --password).
    Create {
        email: String,
        name: String,
        #[arg(long, env = "FRONTDESK_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        #[arg(long)]
        admin: bool,
    },
    /// Add a user to an organization (or change their role).
    Member {
        email: String,
        org: String,
        #[arg(long, default_value = "member", value_parser = ["member", "admin"])]
        role: String,
    },
    /// Put a user in a staff team.
    Staff { email: String, team: String },
    /// List users.
    List,
    /// Set a user's password (from FRONTDESK_NEW_PASSWORD or --password).
    Password {
        email: String,
        #[arg(long, env = "FRONTDESK_NEW_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Create an API token for a user; printed once.
    Token {
        email: String,
        #[arg(long, default_value = "api")]
        name: String,
    },
}

fn init_logs(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("FRONTDESK_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    let mut config = Config::load(cli.config.as_deref())?;
    if let Some(dir) = &cli.data_dir {
        config.data_dir.clone_from(dir);
    }
    if let Some(url) = &cli.database_url {
        config.database_url.clone_from(url);
    }
    Ok(config)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = load_config(&cli)?;
    match cli.command {
        Command::Serve(args) => {
            if let Some(listen) = args.listen {
                config.listen = listen;
            }
            if let Some(role) = args.role {
                config.role = role;
            }
            config.dev_clock |= args.dev_clock;
            if let Some(smtp) = args.smtp_listen {
                config.mail.smtp_listen = smtp;
            }
            if args.json_logs {
                config.log_format = "json".into();
            }
            config.validate()?;
            init_logs(config.log_format == "json");
            let app = frontdesk::build(config).await?;
            let listener = if app.config.role == "worker" {
                None
            } else {
                let l = tokio::net::TcpListener::bind(&app.config.listen)
                    .await
                    .with_context(|| format!("cannot listen on {}", app.config.listen))?;
                tracing::info!(address = %app.config.listen, database = app.store.backend().name(), dev_clock = app.config.dev_clock, "frontdesk serving");
                Some(l)
            };
            frontdesk::run(app, listener, shutdown_signal()).await
        }
        Command::Migrate => {
            init_logs(false);
            let app = frontdesk::build(config).await?;
            println!("migrations applied ({})", app.store.backend().name());
            Ok(())
        }
        Command::Demo {
            port,
            no_serve,
            smtp_listen,
            seller_listen,
        } => {
            init_logs(false);
            if cli.data_dir.is_none() {
                config.data_dir = PathBuf::from("demo-data");
            }
            if config.connections.secret_key.is_none() {
                let key = frontdesk::demo_sellers::demo_secret_key(&config.data_dir)?;
                config.connections.secret_key = Some(key.into());
            }
            config.dev_clock = true;
            config.listen = format!("127.0.0.1:{port}");
            config.public_url = format!("http://127.0.0.1:{port}");
            if smtp_listen != "off" {
                config.mail.smtp_listen = smtp_listen;
            }
            let app = frontdesk::build(config).await?;
            let seeded = frontdesk::demo::seed(&app).await?;
            let help = frontdesk::kb_cli::seed_help_center(&app).await?;
            println!("help center: {help} articles");
            let seller_url = frontdesk::demo_sellers::start(&seller_listen).await?;
            let admin = frontdesk::demo::as_user(&app, "admin@frontdesk.localhost", None).await?;
            frontdesk::demo_sellers::register(&app, &admin, &seller_url).await?;
            frontdesk::demo_sellers::seed_seller_users(&app, frontdesk::demo::DEMO_PASSWORD)
                .await?;
            frontdesk::demo::print_sign_ins(&app, seeded);
            println!(
                "Demo seller (SELLER-API.md) on {seller_url}: Mirador Hotels, Atlas Beds (Dormant Stays is inactive)"
            );
            if no_serve {
                return Ok(());
            }
            let listener = tokio::net::TcpListener::bind(&app.config.listen)
                .await
                .with_context(|| format!("cannot listen on {}", app.config.listen))?;
            println!(
                "\nfrontdesk demo on {} (Ctrl-C to stop)",
                app.config.public_url
            );
            if !app.config.mail.smtp_listen.is_empty() {
                println!(
                    "Replies by mail: SMTP on {} (answer a mail from the maildir with any SMTP client)",
                    app.config.mail.smtp_listen
                );
            }
            frontdesk::run(app, Some(listener), shutdown_signal()).await
        }
        Command::DemoSeller { port } => {
            init_logs(false);
            let addr = format!("127.0.0.1:{port}");
            let listener = tokio::net::TcpListener::bind(&addr)
                .await
                .with_context(|| format!("cannot listen on {addr}"))?;
            println!("demo seller on http://{addr} (Ctrl-C to stop)");
            frontdesk_demo_seller::serve(
                listener,
                frontdesk_demo_seller::DemoSeller::new(),
                shutdown_signal(),
            )
            .await?;
            Ok(())
        }
        Command::Mail(MailCommand::Ingest { recipient }) => {
            init_logs(false);
            std::process::exit(frontdesk::ingest_stdin(config, recipient).await);
        }
        Command::Secrets(cmd) => secrets(config, cmd).await,
        Command::Kb(cmd) => {
            init_logs(false);
            let app = frontdesk::build(config).await?;
            match cmd {
                KbCommand::Import {
                    dir,
                    base_url,
                    prune,
                } => frontdesk::kb_cli::import(&app, &dir, base_url.as_deref(), prune).await,
                KbCommand::Eval { questions, verbose } => {
                    frontdesk::kb_cli::eval(&app, &questions, verbose).await
                }
                KbCommand::Reindex => {
                    let n = app.rebuild_index().await?;
                    println!("search index rebuilt: {n} articles");
                    Ok(())
                }
            }
        }
        Command::Org(cmd) => {
            let app = frontdesk::build(config).await?;
            match cmd {
                OrgCommand::Create {
                    code,
                    name,
                    buyer,
                    seller,
                    contract,
                    inactive,
                    company_tab_admins_only,
                } => {
                    let id = app
                        .create_organization(NewOrganization {
                            code,
                            name,
                            is_buyer: buyer,
                            is_seller: seller,
                            active: !inactive,
                            commercial_contract: contract,
                            company_visibility: if company_tab_admins_only {
                                CompanyVisibility::Admins
                            } else {
                                CompanyVisibility::Members
                            },
                        })
                        .await?;
                    println!("organization {} created", id.0);
                }
                OrgCommand::List => {
                    for o in app.store.organizations().await? {
                        println!(
                            "{:>5}  {:<24} {:<32} buyer={} seller={} active={} contract={}",
                            o.id.0,
                            o.code,
                            o.name,
                            o.is_buyer,
                            o.is_seller,
                            o.active,
                            o.commercial_contract
                        );
                    }
                }
            }
            Ok(())
        }
        Command::User(cmd) => {
            let app = frontdesk::build(config).await?;
            match cmd {
                UserCommand::Create {
                    email,
                    name,
                    password,
                    admin,
                } => {
                    let id = app
                        .create_user(&email, &name, password.as_deref(), admin)
                        .await?;
                    println!("user {} created", id.0);
                }
                UserCommand::Member { email, org, role } => {
                    let role = MemberRole::parse(&role).context("role must be member or admin")?;
                    app.set_membership(&email, &org, role).await?;
                    println!("{email} is now {} of {org}", role.as_str());
                }
                UserCommand::Staff { email, team } => {
                    app.add_staff(&email, &team).await?;
                    println!("{email} is now in team {team}");
                }
                UserCommand::List => {
                    for u in app.store.users().await? {
                        let teams: Vec<String> = app
                            .store
                            .user_teams(u.id)
                            .await?
                            .into_iter()
                            .map(|t| t.slug)
                            .collect();
                        println!(
                            "{:>5}  {:<36} {:<24} admin={} active={} teams={}",
                            u.id.0,
                            u.email,
                            u.name,
                            u.is_admin,
                            u.active,
                            teams.join(",")
                        );
                    }
                }
                UserCommand::Password { email, password } => {
                    app.set_password(&email, &password).await?;
                    println!("password of {email} changed");
                }
                UserCommand::Token { email, name } => {
                    let token = app.create_api_token(&email, &name).await?;
                    println!("{token}");
                }
            }
            Ok(())
        }
    }
}

/// `frontdesk secrets …`: prints key ids, counts and access ids, never a
/// stored secret.
async fn secrets(config: Config, cmd: SecretsCommand) -> anyhow::Result<()> {
    match cmd {
        SecretsCommand::NewKey { id } => {
            use frontdesk_activation::secrets::{KeyId, Keyring};
            let ring = Keyring::generate(KeyId::parse(&id)?);
            println!("{}", ring.current_config_entry().expose());
            Ok(())
        }
        SecretsCommand::Reseal { batch } => {
            init_logs(false);
            reseal(&frontdesk::build(config).await?, batch).await
        }
        SecretsCommand::Status => {
            init_logs(false);
            let usage = frontdesk::build(config)
                .await?
                .secret_key_usage(500)
                .await?;
            for (id, n) in &usage.by_key {
                println!("{id}: {n} accesses");
            }
            println!("without secrets: {}", usage.without_secrets);
            if !usage.unreadable.is_empty() {
                println!("unreadable: {}", access_ids(&usage.unreadable));
            }
            Ok(())
        }
    }
}

/// Reseals and prints the counts; fails when an access did not open, so a
/// script does not go on to drop the older keys.
async fn reseal(app: &frontdesk_app::App, batch: i64) -> anyhow::Result<()> {
    let r = app.reseal_secrets(batch).await?;
    println!(
        "resealed {}, already current {}, failed {}",
        r.resealed,
        r.current,
        r.failed.len()
    );
    if r.changed_meanwhile > 0 {
        println!(
            "{} edited meanwhile (sealed by the edit); run again to check",
            r.changed_meanwhile
        );
    }
    if r.failed.is_empty() {
        return Ok(());
    }
    println!("did not open: accesses {}", access_ids(&r.failed));
    anyhow::bail!("keep the older keys until these accesses are fixed or re-entered")
}

fn access_ids(ids: &[frontdesk_domain::AccessId]) -> String {
    ids.iter()
        .map(|id| id.0.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
