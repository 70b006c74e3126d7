//! The harness: the real app on `127.0.0.1:0` with a fresh database and
//! data directory, an HTTP client, a seeded world, and readers for what the
//! app wrote to its maildir.

use frontdesk_app::{App, Config};
use frontdesk_domain::OrgId;
use frontdesk_domain::org::{CompanyVisibility, MemberRole, TeamKind};
use frontdesk_store::orgs::NewOrganization;
use frontdesk_testkit::TestDb;
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Everyone's password in the seeded world.
pub const PASSWORD: &str = "correct-horse-1";

pub const ORG_A: &str = "alpha-travel";
pub const ORG_B: &str = "beta-tours";
pub const A_ADMIN: &str = "ana.admin@alpha.example";
pub const A_MEMBER: &str = "max.member@alpha.example";
pub const B_MEMBER: &str = "bea.member@beta.example";
pub const BOTH: &str = "kim.both@consult.example";
pub const AGENT: &str = "carla.agent@operator.example";
pub const PRODUCT: &str = "paul.product@operator.example";
pub const ADMIN: &str = "root.admin@operator.example";
pub const PRODUCT_TEAM: &str = "hotel-search";

/// Which database a scenario runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates `sqlite::<name>` and `postgres::<name>` tests for scenarios
/// `async fn <name>(app: TestApp)` of the calling module. `name with f`
/// lets `f: fn(&mut Config)` change the configuration first.
macro_rules! both_backends {
    ($($name:ident $(with $configure:path)?),* $(,)?) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $( $crate::helpers::both_backends!(@test Sqlite $name $($configure)?); )*
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $( $crate::helpers::both_backends!(@test Postgres $name $($configure)?); )*
        }
    };
    (@test $backend:ident $name:ident) => {
        $crate::helpers::both_backends!(@test $backend $name $crate::helpers::defaults);
    };
    (@test $backend:ident $name:ident $configure:path) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $name() {
            let backend = $crate::helpers::Backend::$backend;
            if let Some(app) = $crate::helpers::TestApp::start(backend, $configure).await {
                super::$name(app).await;
            }
        }
    };
}
pub(crate) use both_backends;

/// Builds the app and serves it (web server and workers) on `listener`
/// until the returned sender fires.
async fn serve(
    config: Config,
    listener: tokio::net::TcpListener,
) -> (App, oneshot::Sender<()>, JoinHandle<anyhow::Result<()>>) {
    config.validate().expect("valid test configuration");
    let app = frontdesk::build(config).await.expect("the app builds");
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(frontdesk::run(app.clone(), Some(listener), async move {
        let _ = stopped.await;
    }));
    (app, stop, server)
}

/// The configuration as `TestApp::start` makes it, unchanged.
pub fn defaults(_: &mut Config) {}

/// A data directory removed when dropped.
#[derive(Debug)]
struct DataDir(PathBuf);

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The app serving HTTP on a port of its own.
#[derive(Debug)]
pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub base_url: String,
    pub client: reqwest::Client,
    /// The same app the server runs, for seeding and inspection.
    pub app: App,
    pub backend: Backend,
    pub data_dir: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
    db: Option<TestDb>,
    dir: Option<DataDir>,
}

impl TestApp {
    /// Starts the app (web server and workers, dev clock on) on a fresh
    /// database; `None` when the PostgreSQL half is skipped.
    pub async fn start(backend: Backend, configure: impl FnOnce(&mut Config)) -> Option<Self> {
        let db = match backend {
            Backend::Sqlite => TestDb::sqlite(),
            Backend::Postgres => TestDb::postgres().await?,
        };
        let data_dir = std::env::temp_dir().join(format!(
            "frontdesk-api-{}-{:016x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        let dir = DataDir(data_dir.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a port");
        let addr = listener.local_addr().expect("local address");
        let mut config = Config {
            data_dir: data_dir.clone(),
            database_url: db.url.clone(),
            dev_clock: true,
            listen: addr.to_string(),
            public_url: format!("http://{addr}"),
            ..Config::default()
        };
        // Connections: a key sealing credentials, and seller timeouts short
        // enough that the demo seller's slow scripts fail fast.
        let key = frontdesk::demo_sellers::demo_secret_key(&data_dir).expect("a secret key");
        config.connections.secret_key = Some(key.into());
        config.connections.connect_timeout_ms = 1_000;
        config.connections.authenticate_timeout_ms = 1_500;
        config.connections.search_timeout_ms = 1_500;
        config.connections.quote_timeout_ms = 1_500;
        config.connections.content_timeout_ms = 1_500;
        // Scenarios move the dev clock a minute at a time while runs are in
        // flight; a one-minute lease would expire under them at every move.
        config.connections.run_lease_ms = 15 * 60 * 1000;
        configure(&mut config);
        let (app, stop, server) = serve(config, listener).await;
        // A new connection per request: no request ever lands on a
        // connection the server is closing (as it does after refusing a
        // body it did not read).
        let client = reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(0)
            .timeout(Duration::from_secs(60))
            .build()
            .expect("HTTP client");
        Some(Self {
            base_url: format!("http://{addr}"),
            client,
            app,
            backend,
            data_dir,
            stop: Some(stop),
            server: Some(server),
            db: Some(db),
            dir: Some(dir),
        })
    }

    /// Stops the server and starts it again on the same database and data
    /// directory with `configure` applied to the configuration it ran with
    /// (as an operator's redeploy with, say, a rotated key); the dev clock
    /// keeps the time it had reached.
    pub async fn restart(mut self, configure: impl FnOnce(&mut Config)) -> Self {
        self.stop_server().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a port");
        let addr = listener.local_addr().expect("local address");
        let mut config = (*self.app.config).clone();
        config.listen = addr.to_string();
        config.public_url = format!("http://{addr}");
        configure(&mut config);
        let (app, stop, server) = serve(config, listener).await;
        let ahead = (self.app.clock.now().0 - app.clock.now().0) / 1000;
        app.clock.advance(ahead.max(0));
        self.base_url = format!("http://{addr}");
        self.app = app;
        self.stop = Some(stop);
        self.server = Some(server);
        self
    }

    /// Stops the server and workers (in-flight work finishes), closes the
    /// pools and removes the database and the data directory.
    pub async fn shutdown(mut self) {
        self.stop_server().await;
        if let Some(db) = self.db.take() {
            db.cleanup().await;
        }
        drop(self.dir.take());
    }

    /// Stops the server and workers (in-flight work finishes) and closes
    /// the pools.
    async fn stop_server(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            match tokio::time::timeout(Duration::from_secs(30), server).await {
                Ok(Ok(Ok(()))) => {}
                other => panic!("the server did not stop cleanly: {other:?}"),
            }
        }
        self.app.store.close().await;
    }

    // ----- HTTP ---------------------------------------------------------

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A request to `path`, signed in with `token` when given.
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let rb = self.client.request(method, self.url(path));
        match token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    pub async fn send(&self, rb: RequestBuilder) -> Resp {
        let response = rb.send().await.expect("the request is answered");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("the body is read").to_vec();
        Resp {
            status,
            headers,
            bytes,
        }
    }

    // The request is built before the future is returned, so the future
    // borrows only the app (handy in closures).

    pub fn get<'a>(&'a self, token: &str, path: &str) -> impl Future<Output = Resp> + use<'a> {
        self.send(self.request(Method::GET, path, Some(token)))
    }

    /// `GET` acting in organization `org` (`X-Organization`).
    pub fn get_in<'a>(
        &'a self,
        token: &str,
        org: &str,
        path: &str,
    ) -> impl Future<Output = Resp> + use<'a> {
        self.send(
            self.request(Method::GET, path, Some(token))
                .header("x-organization", org),
        )
    }

    pub fn post<'a>(
        &'a self,
        token: &str,
        path: &str,
        body: Value,
    ) -> impl Future<Output = Resp> + use<'a> {
        self.send(self.request(Method::POST, path, Some(token)).json(&body))
    }

    /// `POST` without a body.
    pub fn post_empty<'a>(
        &'a self,
        token: &str,
        path: &str,
    ) -> impl Future<Output = Resp> + use<'a> {
        self.send(self.request(Method::POST, path, Some(token)))
    }

    /// Signs in over HTTP and returns the bearer token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let r = self
            .send(
                self.request(Method::POST, "/api/v1/auth/login", None)
                    .json(&json!({ "email": email, "password": password })),
            )
            .await
            .expect_status(200);
        assert!(
            r.header("set-cookie")
                .is_some_and(|c| c.starts_with("fd_session=") && c.contains("HttpOnly")),
            "the session cookie is set: {:?}",
            r.header("set-cookie")
        );
        let token = r.json()["token"]
            .as_str()
            .expect("a token in the login answer")
            .to_owned();
        assert!(token.starts_with("fd_"), "token shape: {token}");
        token
    }

    // ----- cases --------------------------------------------------------

    /// Creates a case in the caller's current organization (or `org`);
    /// asserts 201 and returns the case.
    pub async fn create_case(
        &self,
        token: &str,
        org: Option<&str>,
        category: &str,
        subject: &str,
        description: &str,
    ) -> Value {
        let mut rb = self
            .request(Method::POST, "/api/v1/cases", Some(token))
            .json(&json!({
                "category": category,
                "subject": subject,
                "description": description,
            }));
        if let Some(org) = org {
            rb = rb.header("x-organization", org);
        }
        let r = self.send(rb).await.expect_status(201);
        let case = r.json();
        let id = case["id"].as_i64().expect("case id");
        assert_eq!(
            r.header("location").as_deref(),
            Some(format!("/api/v1/cases/{id}").as_str())
        );
        case
    }

    /// A case as `token` sees it (asserts 200).
    pub async fn case(&self, token: &str, id: i64) -> Value {
        self.get(token, &format!("/api/v1/cases/{id}"))
            .await
            .expect_status(200)
            .json()
    }

    /// Staff move a case (asserts 200) and get it back.
    pub async fn set_status(
        &self,
        token: &str,
        id: i64,
        status: &str,
        message: Option<&str>,
    ) -> Value {
        let mut body = json!({ "status": status });
        if let Some(m) = message {
            body["message"] = json!(m);
        }
        let case = self
            .post(token, &format!("/api/v1/cases/{id}/status"), body)
            .await
            .expect_status(200)
            .json();
        assert_eq!(case["status"], status);
        case
    }

    /// A public message (or internal note) on a case; asserts 201.
    pub async fn message(&self, token: &str, id: i64, body: &str, internal: bool) -> Value {
        self.post(
            token,
            &format!("/api/v1/cases/{id}/messages"),
            json!({ "body": body, "internal": internal }),
        )
        .await
        .expect_status(201)
        .json()
    }

    /// Every row of `GET /api/v1/cases` (or `base`) with `params`, page by
    /// page with `limit`, following `next_cursor` to the end.
    pub async fn list_all(
        &self,
        token: &str,
        base: &str,
        params: &[(&str, &str)],
        limit: u32,
    ) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..1000 {
            let limit = limit.to_string();
            let mut query: Vec<(&str, &str)> = params.to_vec();
            query.push(("limit", &limit));
            if let Some(c) = &cursor {
                query.push(("cursor", c));
            }
            let page = self
                .send(self.request(Method::GET, base, Some(token)).query(&query))
                .await
                .expect_status(200)
                .json();
            let rows = page["items"].as_array().expect("items").clone();
            assert!(rows.len() <= limit.parse::<usize>().unwrap_or(0));
            items.extend(rows);
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return items,
            }
        }
        panic!("pagination did not end");
    }

    /// The ids of one page of `GET /api/v1/cases` with `params`.
    pub async fn list_ids(&self, token: &str, params: &[(&str, &str)]) -> Vec<i64> {
        ids(&self.list_all(token, "/api/v1/cases", params, 200).await)
    }

    // ----- time and mail --------------------------------------------------

    /// `POST /api/v1/dev/clock` as `admin_token`; asserts 200.
    pub async fn advance(&self, admin_token: &str, seconds: i64) -> Value {
        self.post(
            admin_token,
            "/api/v1/dev/clock",
            json!({ "advance_seconds": seconds }),
        )
        .await
        .expect_status(200)
        .json()
    }

    /// Runs a worker step and waits until the outbox is empty, so the
    /// maildir holds every mail due so far.
    pub async fn settle(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            frontdesk::workers::step(&self.app)
                .await
                .expect("a worker step");
            let pending = self
                .app
                .store
                .pending_mail_count()
                .await
                .expect("pending mail count");
            if pending == 0 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{pending} mails are still pending"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The mails delivered so far (`data_dir/maildir/new`), in outbox order.
    pub fn maildir_messages(&self) -> Vec<Mail> {
        let dir = self.data_dir.join("maildir").join("new");
        let mut mails: Vec<Mail> = std::fs::read_dir(&dir)
            .expect("the maildir exists")
            .map(|e| e.expect("a maildir entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .map(|p| {
                let raw = std::fs::read(&p).expect("a mail file");
                Mail::parse(
                    p.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    &String::from_utf8(raw).expect("mails are ASCII/UTF-8"),
                )
            })
            .collect();
        mails.sort_by_key(|m| m.outbox_id());
        mails
    }

    /// The mails about case `id` (by the `[Case #id]` subject tag).
    pub fn mails_for(&self, id: i64) -> Vec<Mail> {
        let tag = format!("[Case #{id}]");
        self.maildir_messages()
            .into_iter()
            .filter(|m| m.subject().contains(&tag))
            .collect()
    }

    /// Everything in `GET /api/v1/staff/outbox` (staff token).
    pub async fn outbox(&self, staff_token: &str) -> Vec<Value> {
        self.get(staff_token, "/api/v1/staff/outbox?limit=200")
            .await
            .expect_status(200)
            .json()["items"]
            .as_array()
            .expect("outbox items")
            .clone()
    }

    // ----- the world ------------------------------------------------------

    /// Two buyer organizations, their partner users, staff, a product team
    /// and an administrator, all signed in over HTTP.
    pub async fn world(&self) -> World {
        let app = &self.app;
        let org = |code: &str, name: &str| NewOrganization {
            code: code.into(),
            name: name.into(),
            is_buyer: true,
            is_seller: false,
            active: true,
            commercial_contract: true,
            company_visibility: CompanyVisibility::Members,
        };
        let org_a = app
            .create_organization(org(ORG_A, "Alpha Travel"))
            .await
            .expect("org A");
        let org_b = app
            .create_organization(org(ORG_B, "Beta Tours"))
            .await
            .expect("org B");
        app.create_team(PRODUCT_TEAM, "Hotel Search", TeamKind::Product)
            .await
            .expect("product team");
        for (email, name, admin) in [
            (A_ADMIN, "Ana Admin", false),
            (A_MEMBER, "Max Member", false),
            (B_MEMBER, "Bea Member", false),
            (BOTH, "Kim Both", false),
            (AGENT, "Carla Agent", false),
            (PRODUCT, "Paul Product", false),
            (ADMIN, "Root Admin", true),
        ] {
            app.create_user(email, name, Some(PASSWORD), admin)
                .await
                .expect("user");
        }
        for (email, code, role) in [
            (A_ADMIN, ORG_A, MemberRole::Admin),
            (A_MEMBER, ORG_A, MemberRole::Member),
            (B_MEMBER, ORG_B, MemberRole::Member),
            (BOTH, ORG_A, MemberRole::Member),
            (BOTH, ORG_B, MemberRole::Member),
        ] {
            app.set_membership(email, code, role)
                .await
                .expect("membership");
        }
        app.add_staff(AGENT, "customer-care").await.expect("staff");
        app.add_staff(PRODUCT, PRODUCT_TEAM).await.expect("staff");
        let (a_admin, a_member, b_member, both, agent, product, admin) = tokio::join!(
            self.login(A_ADMIN, PASSWORD),
            self.login(A_MEMBER, PASSWORD),
            self.login(B_MEMBER, PASSWORD),
            self.login(BOTH, PASSWORD),
            self.login(AGENT, PASSWORD),
            self.login(PRODUCT, PASSWORD),
            self.login(ADMIN, PASSWORD),
        );
        World {
            org_a,
            org_b,
            a_admin,
            a_member,
            b_member,
            both,
            agent,
            product,
            admin,
        }
    }
}

/// The demo seller on a port of its own, its sellers registered.
#[derive(Debug)]
pub struct Sellers {
    pub base_url: String,
    pub mirador: i64,
    pub atlas: i64,
    pub dormant: i64,
}

impl TestApp {
    /// Starts the demo seller and registers its three sellers (as the
    /// `demo` command does); the test world must exist (its admin registers).
    pub async fn demo_sellers(&self) -> Sellers {
        let base_url = frontdesk::demo_sellers::start("127.0.0.1:0")
            .await
            .expect("the demo seller starts");
        let admin = frontdesk::demo::as_user(&self.app, ADMIN, None)
            .await
            .expect("the admin");
        frontdesk::demo_sellers::register(&self.app, &admin, &base_url)
            .await
            .expect("sellers registered");
        let id = |code: &'static str| async move {
            self.app
                .store
                .organization_by_code(code)
                .await
                .expect("lookup")
                .expect("registered seller")
                .id
                .0
        };
        Sellers {
            mirador: id("mirador").await,
            atlas: id("atlasbeds").await,
            dormant: id("dormant").await,
            base_url,
        }
    }

    /// Waits until the access has left Pending (runs happen in the
    /// background workers), moving the dev clock past retry waits.
    pub async fn settled_access(&self, token: &str, id: i64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let access = self
                .get(token, &format!("/api/v1/connections/{id}"))
                .await
                .expect_status(200)
                .json();
            if access["status"] != "pending" {
                return access;
            }
            assert!(
                Instant::now() < deadline,
                "access {id} is still pending: {access}"
            );
            // Retries wait by rescheduling: move time past the longest wait.
            self.app.clock.advance(61);
            self.app.wake.notify_waiters();
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // A scenario that panicked: stop serving; the database and the data
        // directory go with their own guards.
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

/// The seeded world: organization ids and everyone's token.
#[derive(Debug)]
pub struct World {
    pub org_a: OrgId,
    pub org_b: OrgId,
    pub a_admin: String,
    pub a_member: String,
    pub b_member: String,
    /// Member of both organizations (Alpha Travel comes first).
    pub both: String,
    /// Customer care staff.
    pub agent: String,
    /// Staff of the product team.
    pub product: String,
    /// Administrator (no team).
    pub admin: String,
}

/// The ids of list rows, in order.
pub fn ids(items: &[Value]) -> Vec<i64> {
    items
        .iter()
        .map(|i| i["id"].as_i64().expect("row id"))
        .collect()
}

// ----- responses --------------------------------------------------------

/// A whole HTTP response.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect_status(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text()
        );
        self
    }

    /// Asserts an RFC 9457 problem with `status` and returns its JSON.
    #[track_caller]
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text()
        );
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "problem content type; body: {}",
            self.text()
        );
        let p = self.json();
        assert_eq!(p["status"], status, "problem status field: {p}");
        assert!(
            p["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("/problems/")),
            "problem type: {p}"
        );
        assert!(
            p["title"].as_str().is_some_and(|t| !t.is_empty()),
            "problem title: {p}"
        );
        assert!(
            p["detail"].as_str().is_some_and(|t| !t.is_empty()),
            "problem detail: {p}"
        );
        p
    }

    /// Asserts a problem whose `detail` contains `needle`.
    #[track_caller]
    pub fn problem_with(&self, status: u16, needle: &str) -> Value {
        let p = self.problem(status);
        let detail = p["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains(needle),
            "detail {detail:?} should mention {needle:?}"
        );
        p
    }

    /// Asserts a 422 naming `field` in `errors[]`.
    #[track_caller]
    pub fn invalid_field(&self, field: &str) -> Value {
        let p = self.problem(422);
        let fields: Vec<&str> = p["errors"]
            .as_array()
            .map(|e| e.iter().filter_map(|f| f["field"].as_str()).collect())
            .unwrap_or_default();
        assert!(fields.contains(&field), "errors should name {field:?}: {p}");
        p
    }
}

// ----- mail -------------------------------------------------------------

/// A delivered mail, parsed just enough for assertions.
#[derive(Debug, Clone)]
pub struct Mail {
    pub file: String,
    pub raw: String,
    /// Unfolded headers in order.
    pub headers: Vec<(String, String)>,
    /// The decoded `text/plain` part.
    pub text: String,
    /// The decoded `text/html` part.
    pub html: String,
}

impl Mail {
    fn parse(file: String, raw: &str) -> Self {
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
        let headers = parse_headers(head);
        let content_type = find_header(&headers, "content-type").unwrap_or_default();
        let (mut text, mut html) = (String::new(), String::new());
        match boundary(&content_type) {
            Some(b) => {
                for part in body.split(&format!("--{b}")).skip(1) {
                    if part.starts_with("--") {
                        break;
                    }
                    let part = part.trim_start_matches("\r\n");
                    let (phead, pbody) = part.split_once("\r\n\r\n").unwrap_or((part, ""));
                    let pheaders = parse_headers(phead);
                    let decoded = decode(
                        &find_header(&pheaders, "content-transfer-encoding").unwrap_or_default(),
                        pbody,
                    );
                    let ptype = find_header(&pheaders, "content-type").unwrap_or_default();
                    if ptype.starts_with("text/plain") {
                        text = decoded;
                    } else if ptype.starts_with("text/html") {
                        html = decoded;
                    }
                }
            }
            None => {
                text = decode(
                    &find_header(&headers, "content-transfer-encoding").unwrap_or_default(),
                    body,
                );
            }
        }
        Self {
            file,
            raw: raw.to_owned(),
            headers,
            text: text.replace("\r\n", "\n"),
            html: html.replace("\r\n", "\n"),
        }
    }

    /// The first header `name` (case-insensitive), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        find_header(&self.headers, name)
    }

    pub fn subject(&self) -> String {
        self.header("subject").unwrap_or_default()
    }

    fn outbox_id(&self) -> i64 {
        self.file
            .trim_start_matches("outbox-")
            .trim_end_matches(".eml")
            .parse()
            .unwrap_or(i64::MAX)
    }
}

fn parse_headers(head: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = out.last_mut() {
                v.push_str(line);
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    out
}

fn find_header(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

fn boundary(content_type: &str) -> Option<String> {
    let at = content_type.find("boundary=")? + "boundary=".len();
    let rest = &content_type[at..];
    let b = rest
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .trim_matches('"');
    (!b.is_empty()).then(|| b.to_owned())
}

fn decode(encoding: &str, body: &str) -> String {
    match encoding.trim().to_ascii_lowercase().as_str() {
        "quoted-printable" => quoted_printable(body),
        "base64" => String::from_utf8_lossy(&base64(body)).into_owned(),
        _ => body.to_owned(),
    }
}

fn quoted_printable(s: &str) -> String {
    let s = s.replace("=\r\n", "");
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn base64(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in s.bytes() {
        let Some(v) = ALPHABET.iter().position(|a| *a == c) else {
            continue;
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}
