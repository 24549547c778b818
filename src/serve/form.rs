//! A posted form (`application/x-www-form-urlencoded`) read as its fields in order, a
//! key repeated as often as it was sent (one `topic` per ticked checkbox), which
//! axum's `Form` cannot give.

/// The fields of `body`, in order.
pub(crate) fn fields(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// The first value of `key` in `fields`.
pub(crate) fn first<'a>(fields: &'a [(String, String)], key: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}
