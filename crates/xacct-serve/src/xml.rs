//! The few XML documents the endpoint writes itself (STS answers and errors).

/// Escapes text for an XML element or attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// `<name>text</name>`, escaped.
pub fn element(name: &str, text: &str) -> String {
    format!("<{name}>{}</{name}>", escape(text))
}

/// The text of the first `<name>` element of a small document (an S3 error body), unescaped
/// for the five entities [`escape`] writes.
pub fn first_text(document: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = document.find(&open)? + open.len();
    let end = start + document.get(start..)?.find(&close)?;
    let text = document.get(start..end)?;
    Some(
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_text_reads_back() {
        let text = "a<b & \"c\" 'd'>";
        let document = format!("<Error>{}</Error>", element("Message", text));
        assert_eq!(first_text(&document, "Message").as_deref(), Some(text));
        assert_eq!(first_text(&document, "Code"), None);
    }
}
