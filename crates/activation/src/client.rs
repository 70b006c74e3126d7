//! The HTTP side of the reference adapter: one POST per attempt, under the
//! address policy of §1.
//!
//! Sellers are outside parties, so nothing they say may steer frontdesk
//! elsewhere: redirects are never followed, proxies from the environment
//! are ignored, and the host is resolved first, checked against the
//! address policy, then pinned (`ClientBuilder::resolve_to_addrs`) so the
//! connection goes to exactly the addresses that were checked (no DNS
//! rebinding between check and connect).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration as StdDuration;

use reqwest::header::{ACCEPT, ACCEPT_ENCODING, CONTENT_TYPE, RETRY_AFTER};
use serde_json::Value;

use crate::protocol::{HttpAnswer, MAX_RESPONSE_BYTES, RetryAfter, TransportError};

/// Per-request timeouts (§1); tests shrink them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: StdDuration,
    pub authenticate: StdDuration,
    pub search: StdDuration,
    pub quote: StdDuration,
    /// Each `hotels` or `destinations` page.
    pub content: StdDuration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: StdDuration::from_secs(5),
            authenticate: StdDuration::from_secs(15),
            search: StdDuration::from_secs(30),
            quote: StdDuration::from_secs(30),
            content: StdDuration::from_secs(60),
        }
    }
}

/// One attempt to send.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// The endpoint (`urls.generic`).
    pub url: &'a str,
    /// The request body; holds secrets, never logged.
    pub body: &'a Value,
    /// `X-Request-ID`, new for every attempt.
    pub request_id: &'a str,
    /// Connect timeout.
    pub connect_timeout: StdDuration,
    /// Total time for the attempt, body included (a slow drip times out).
    pub timeout: StdDuration,
    /// The registered endpoint is itself local (the demo seller's): allow
    /// loopback and private addresses.
    pub allow_local: bool,
}

/// The seller HTTP client. Stateless: each attempt builds its own pinned
/// connection, which activation's handful of requests can afford.
#[derive(Debug, Clone)]
pub struct SellerClient {
    user_agent: String,
    max_body: usize,
}

impl Default for SellerClient {
    fn default() -> Self {
        Self::new()
    }
}

impl SellerClient {
    pub fn new() -> Self {
        Self {
            user_agent: format!("frontdesk/{}", env!("CARGO_PKG_VERSION")),
            max_body: MAX_RESPONSE_BYTES,
        }
    }

    /// POSTs one request and reads the whole answer (at most 16 MiB after
    /// decompression) within `call.timeout`.
    pub async fn send(&self, call: &Call<'_>) -> Result<HttpAnswer, TransportError> {
        match tokio::time::timeout(call.timeout, self.send_inner(call)).await {
            Ok(r) => r,
            Err(_) => Err(TransportError::Timeout),
        }
    }

    async fn send_inner(&self, call: &Call<'_>) -> Result<HttpAnswer, TransportError> {
        let url = reqwest::Url::parse(call.url).map_err(|_| TransportError::InvalidUrl)?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(TransportError::InvalidUrl);
        }
        let host = url.host_str().ok_or(TransportError::InvalidUrl)?.to_owned();
        let port = url
            .port_or_known_default()
            .ok_or(TransportError::InvalidUrl)?;
        let literal = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .ok();
        let addrs: Vec<SocketAddr> = match literal {
            Some(ip) => vec![SocketAddr::new(ip, port)],
            None => tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|e| TransportError::Connect(format!("name resolution: {e}")))?
                .collect(),
        };
        if addrs.is_empty() {
            return Err(TransportError::Connect(
                "name resolution: no address".into(),
            ));
        }
        if let Some(bad) = addrs
            .iter()
            .map(SocketAddr::ip)
            .find(|ip| refused(*ip, call.allow_local))
        {
            return Err(TransportError::AddressRefused(bad));
        }
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(call.connect_timeout)
            .timeout(call.timeout)
            .user_agent(self.user_agent.as_str())
            .gzip(true);
        if literal.is_none() {
            builder = builder.resolve_to_addrs(&host, &addrs);
        }
        let client = builder
            .build()
            .map_err(|e| TransportError::Connect(format!("client: {e}")))?;
        let body = serde_json::to_vec(call.body).unwrap_or_default();
        let mut resp = client
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .header(
                ACCEPT,
                "application/graphql-response+json, application/json",
            )
            .header(ACCEPT_ENCODING, "gzip")
            .header("X-Request-ID", call.request_id)
            .body(body)
            .send()
            .await
            .map_err(|e| map_error(&e))?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(RetryAfter::parse);
        let mut out = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| map_error(&e))? {
            if out.len() + chunk.len() > self.max_body {
                return Err(TransportError::TooLarge);
            }
            out.extend_from_slice(&chunk);
        }
        Ok(HttpAnswer {
            status,
            retry_after,
            body: out,
        })
    }
}

/// Maps a reqwest error without keeping its text whole (it may quote the
/// URL, which never holds secrets here, but stays out of messages anyway).
fn map_error(e: &reqwest::Error) -> TransportError {
    if e.is_timeout() {
        return TransportError::Timeout;
    }
    if e.is_decode() {
        return TransportError::Decode;
    }
    // The causes only: the top-level text quotes the URL, whose host could
    // contain "tls".
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string().to_ascii_lowercase();
        if text.contains("certificate") || text.contains("tls") || text.contains("handshake") {
            return TransportError::Tls;
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::TimedOut
        {
            return TransportError::Timeout;
        }
        source = s.source();
    }
    TransportError::Connect(e.to_string())
}

/// The address policy (§1): addresses inside the machine or network are
/// refused. `allow_local` (the registered endpoint is itself local) lets
/// loopback, private and CGNAT addresses through, never link-local (cloud
/// metadata lives at 169.254.169.254), unspecified or multicast.
pub fn refused(ip: IpAddr, allow_local: bool) -> bool {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4, allow_local),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return refused_v4(v4, allow_local);
            }
            let seg0 = v6.segments()[0];
            let always = v6.is_unspecified() || v6.is_multicast() || (seg0 & 0xffc0) == 0xfe80;
            let local = v6.is_loopback() || (seg0 & 0xfe00) == 0xfc00;
            always || (local && !allow_local)
        }
    }
}

fn refused_v4(ip: Ipv4Addr, allow_local: bool) -> bool {
    let o = ip.octets();
    let always = ip.is_unspecified()
        || o[0] == 0
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast();
    let cgnat = o[0] == 100 && (o[1] & 0xc0) == 64;
    let local = ip.is_loopback() || ip.is_private() || cgnat;
    always || (local && !allow_local)
}

/// Whether a host is loopback: the caller's test for `allow_local`.
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        || h.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn address_policy() {
        for s in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.255",
            "::1",
            "fc00::1",
            "fd12::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(refused(ip(s), false), "{s} must be refused");
            assert!(!refused(ip(s), true), "{s} is allowed for local endpoints");
        }
        for s in [
            "169.254.169.254",
            "169.254.0.1",
            "0.0.0.0",
            "::",
            "fe80::1",
            "224.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(refused(ip(s), false), "{s} must be refused");
            assert!(
                refused(ip(s), true),
                "{s} is refused even for local endpoints"
            );
        }
        for s in ["8.8.8.8", "172.32.0.1", "100.128.0.1", "2001:4860::8888"] {
            assert!(!refused(ip(s), false), "{s} is public");
        }
    }

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback_host("127.0.0.1"));
        assert!(is_loopback_host("[::1]"));
        assert!(is_loopback_host("localhost"));
        assert!(!is_loopback_host("example.com"));
        assert!(!is_loopback_host("10.0.0.1"));
    }
}
