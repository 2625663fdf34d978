//! A text tile's markdown as HTML that is safe to put in a page: CommonMark (with tables,
//! strikethrough and task lists) by `pulldown-cmark`, where raw HTML becomes text (escaped, so
//! it shows and never runs) and links and images go only to `http(s)`, `mailto` or relative
//! addresses (others keep their text and lose the link).
//!
//! The server renders it and sends it with the dashboard (`DashboardResponse::text_html`), so
//! the web app carries no markdown parser (about 40 KiB gzip of wasm on the dashboard page).

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

/// Whether `url` may be a link or image source: relative, or `http`, `https` or `mailto`, with
/// no whitespace or control characters (which browsers drop from a scheme: `java\tscript:`).
fn safe_url(url: &str) -> bool {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let scheme_end = url.find(':');
    let path_start = url.find(['/', '?', '#']);
    match (scheme_end, path_start) {
        // a colon before any '/', '?' or '#': a scheme
        (Some(c), p) if p.is_none_or(|p| c < p) => {
            let scheme = url[..c].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto")
        }
        _ => true,
    }
}

/// `text` (markdown) as safe HTML.
pub fn to_html(text: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    // a link or image whose address is refused loses its tags (links do not nest, neither do
    // images, so one flag each finds the matching end)
    let (mut drop_link, mut drop_image) = (false, false);
    let events = Parser::new_ext(text, options).filter_map(|e| match e {
        Event::Html(s) | Event::InlineHtml(s) => Some(Event::Text(s)),
        Event::Start(Tag::HtmlBlock) => Some(Event::Start(Tag::Paragraph)),
        Event::End(TagEnd::HtmlBlock) => Some(Event::End(TagEnd::Paragraph)),
        Event::Start(Tag::Link { ref dest_url, .. }) if !safe_url(dest_url) => {
            drop_link = true;
            None
        }
        Event::End(TagEnd::Link) if drop_link => {
            drop_link = false;
            None
        }
        Event::Start(Tag::Image { ref dest_url, .. }) if !safe_url(dest_url) => {
            drop_image = true;
            None
        }
        Event::End(TagEnd::Image) if drop_image => {
            drop_image = false;
            None
        }
        e => Some(e),
    });
    let mut out = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        assert_eq!(
            to_html("## Title\n\nSome **bold**, ~~old~~ and [docs](https://example.com/a?b=1)."),
            "<h2>Title</h2>\n<p>Some <strong>bold</strong>, <del>old</del> and \
             <a href=\"https://example.com/a?b=1\">docs</a>.</p>\n"
        );
        assert!(to_html("| a | b |\n|---|---|\n| 1 | 2 |").contains("<td>1</td>"));
        assert!(to_html("[orders](/explore/orders)").contains("href=\"/explore/orders\""));
    }

    #[test]
    fn raw_html_shows_as_text_and_never_becomes_an_element() {
        let out = to_html(
            "<script>alert(1)</script>\n\nInline <img src=x onerror=\"alert(2)\"> and \
             <b onclick=\"alert(3)\">b</b>.",
        );
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("<img"), "{out}");
        assert!(!out.contains("<b "), "{out}");
        assert!(
            out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{out}"
        );
        assert!(
            out.contains("&lt;img src=x onerror=\"alert(2)\"&gt;"),
            "{out}"
        );
    }

    #[test]
    fn only_http_mailto_and_relative_addresses_are_links() {
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "vbscript:x",
            "java\tscript:alert(1)",
        ] {
            let out = to_html(&format!("[click]({bad}) ![pic]({bad})"));
            assert!(!out.contains("<a") && !out.contains("<img"), "{bad}: {out}");
            assert!(out.contains("click") && out.contains("pic"), "{bad}: {out}");
        }
        for good in [
            "https://example.com",
            "http://example.com/x:y",
            "mailto:a@example.com",
            "/dashboards/x",
            "../x",
            "#top",
            "x?a=b:c",
        ] {
            assert!(safe_url(good), "{good}");
        }
        assert!(to_html("![logo](/logo.png)").contains("<img src=\"/logo.png\""));
    }
}
