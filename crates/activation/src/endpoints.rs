//! Registered endpoints and the URLs credentials may point at (§1): a `url`
//! field must keep the scheme, host and port of an endpoint the seller
//! registered, and live endpoints use https unless they are local.

use crate::client::is_loopback_host;
use reqwest::Url;

/// Why an endpoint or URL is not acceptable, in words for the form.
pub fn check_endpoint(raw: &str, live: bool) -> Result<(), String> {
    let url = Url::parse(raw).map_err(|_| "must be an absolute http(s) URL".to_owned())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("must be an absolute http(s) URL".into());
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err("must not carry a query, fragment or user".into());
    }
    if live && url.scheme() != "https" && !is_local(raw) {
        return Err("live endpoints must use https".into());
    }
    Ok(())
}

/// The endpoint's host is this machine (the demo seller's).
pub fn is_local(raw: &str) -> bool {
    Url::parse(raw)
        .ok()
        .and_then(|u| u.host_str().map(is_loopback_host))
        .unwrap_or(false)
}

/// Whether `url` has the scheme, host and port of one of `registered`.
pub fn same_origin_as_any(url: &str, registered: &[&str]) -> bool {
    let Ok(url) = Url::parse(url) else {
        return false;
    };
    registered
        .iter()
        .filter_map(|r| Url::parse(r).ok())
        .any(|r| {
            r.scheme() == url.scheme()
                && r.host_str().map(str::to_ascii_lowercase)
                    == url.host_str().map(str::to_ascii_lowercase)
                && r.port_or_known_default() == url.port_or_known_default()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        let reg = ["http://127.0.0.1:7700/mirador/pull/test/graphql"];
        assert!(same_origin_as_any("http://127.0.0.1:7700/other/path", &reg));
        assert!(!same_origin_as_any("http://127.0.0.1:7701/x", &reg));
        assert!(!same_origin_as_any("https://127.0.0.1:7700/x", &reg));
        assert!(!same_origin_as_any("http://169.254.169.254/", &reg));
        assert!(!same_origin_as_any("not a url", &reg));
    }

    #[test]
    fn endpoints() {
        assert!(check_endpoint("https://api.seller.example/graphql", true).is_ok());
        assert!(check_endpoint("http://api.seller.example/graphql", true).is_err());
        assert!(check_endpoint("http://127.0.0.1:7700/graphql", true).is_ok());
        assert!(check_endpoint("http://api.seller.example/graphql", false).is_ok());
        assert!(check_endpoint("ftp://x/", false).is_err());
        assert!(check_endpoint("https://x/?a=1", false).is_err());
        assert!(is_local("http://localhost:1/"));
        assert!(!is_local("http://10.0.0.1/"));
    }
}
