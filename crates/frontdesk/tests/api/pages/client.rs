//! A cookie-carrying page client: signs in through the sign-in form, reads
//! CSRF tokens from pages and posts forms without following redirects.

use crate::helpers::{Resp, TestApp};
use reqwest::Method;

/// A signed-in browser without a browser.
#[derive(Debug, Clone)]
pub struct PageSession {
    pub cookie: String,
    pub csrf: String,
}

impl TestApp {
    /// A client that does not follow redirects, so tests see them.
    fn page_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(0)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client")
    }

    /// Signs in through the sign-in page (login CSRF cookie and all).
    pub async fn page_login(&self, email: &str, password: &str) -> PageSession {
        let client = self.page_client();
        let form = client
            .get(self.url("/login"))
            .send()
            .await
            .expect("login page");
        assert_eq!(form.status(), 200);
        let login_cookie = form
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("fd_login="))
            .and_then(|c| c.split(';').next())
            .expect("the login cookie")
            .to_owned();
        let html = form.text().await.expect("login html");
        let token = csrf_of(&html);
        let r = client
            .post(self.url("/login"))
            .header("cookie", &login_cookie)
            .form(&[("email", email), ("password", password), ("csrf", &token)])
            .send()
            .await
            .expect("sign in");
        assert_eq!(r.status(), 303, "signed in with a redirect");
        let session = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("fd_session="))
            .and_then(|c| c.split(';').next())
            .expect("the session cookie")
            .to_owned();
        let mut s = PageSession {
            cookie: session,
            csrf: String::new(),
        };
        let home = self.page(&s, "/cases").await;
        s.csrf = csrf_of(&home.text());
        s
    }

    /// Uses an API token as the portal's session cookie.
    pub async fn page_session(&self, token: &str) -> PageSession {
        let mut s = PageSession {
            cookie: format!("fd_session={token}"),
            csrf: String::new(),
        };
        let home = self.page(&s, "/cases").await;
        s.csrf = csrf_of(&home.text());
        s
    }

    /// `GET` a page as `s` (redirects are returned, not followed).
    pub async fn page(&self, s: &PageSession, path: &str) -> Resp {
        let rb = self
            .page_client()
            .request(Method::GET, self.url(path))
            .header("cookie", &s.cookie);
        self.send(rb).await
    }

    /// Posts a form as `s` with its CSRF token added.
    pub async fn submit(&self, s: &PageSession, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &s.csrf));
        self.submit_raw(s, path, &all).await
    }

    /// Posts exactly these fields (no CSRF token added).
    pub async fn submit_raw(&self, s: &PageSession, path: &str, fields: &[(&str, &str)]) -> Resp {
        let rb = self
            .page_client()
            .request(Method::POST, self.url(path))
            .header("cookie", &s.cookie)
            .form(fields);
        self.send(rb).await
    }

    /// Posts a multipart form as `s` with its CSRF token added.
    pub async fn submit_multipart(
        &self,
        s: &PageSession,
        path: &str,
        form: reqwest::multipart::Form,
    ) -> Resp {
        let rb = self
            .page_client()
            .request(Method::POST, self.url(path))
            .header("cookie", &s.cookie)
            .multipart(form.text("csrf", s.csrf.clone()));
        self.send(rb).await
    }
}

/// The first CSRF token in a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    html.find(marker)
        .map(|i| {
            let rest = &html[i + marker.len()..];
            rest[..rest.find('"').unwrap_or(0)].to_owned()
        })
        .unwrap_or_default()
}

impl Resp {
    /// Where a redirect points.
    pub fn location(&self) -> String {
        self.header("location").unwrap_or_default()
    }
}
