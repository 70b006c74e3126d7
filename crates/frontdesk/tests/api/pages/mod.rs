//! The HTML pages over HTTP (no browser): what each page shows to whom,
//! CSRF, escaping and isolation. The browser tests drive the same pages in
//! Chromium.

mod admin;
mod cases;
mod client;
mod connections;
mod kb;
mod portal;
mod staff;
