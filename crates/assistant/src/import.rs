//! Documentation folders into articles.
