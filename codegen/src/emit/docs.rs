//! Schema text → rustdoc. Descriptions hold HTML, Markdown and stray brackets; they must
//! render as text, never as broken links, HTML or doctests.

use proc_macro2::TokenStream;
use quote::quote;

/// Rustdoc-safe lines for a schema description.
pub fn lines(text: &str) -> Vec<String> {
    // The HTML OVH writes in descriptions, as Markdown; any other tag is shown as text.
    let mut text = text.replace("\r\n", "\n");
    for (tag, markdown) in [
        ("<br/>", "\n"),
        ("<br />", "\n"),
        ("<br>", "\n"),
        ("<b>", "**"),
        ("</b>", "**"),
        ("<strong>", "**"),
        ("</strong>", "**"),
        ("<i>", "*"),
        ("</i>", "*"),
        ("<em>", "*"),
        ("</em>", "*"),
        ("<code>", "`"),
        ("</code>", "`"),
        ("<p>", "\n"),
        ("</p>", "\n"),
        ("<ul>", "\n"),
        ("</ul>", "\n"),
        ("<li>", "\n- "),
        ("</li>", ""),
    ] {
        text = text.replace(tag, markdown);
    }
    let mut out = Vec::new();
    let mut in_fence = false;
    for raw in text.lines() {
        let line = raw.trim();
        if line.starts_with("```") {
            // Fenced blocks stay blocks, but never doctests.
            out.push(if in_fence {
                "```".to_owned()
            } else {
                "```text".to_owned()
            });
            in_fence = !in_fence;
            continue;
        }
        out.push(if in_fence {
            line.to_owned()
        } else {
            escape(line)
        });
    }
    if in_fence {
        out.push("```".to_owned());
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out
}

fn escape(line: &str) -> String {
    let mut s = String::with_capacity(line.len());
    for c in line.chars() {
        match c {
            '[' => s.push_str("\\["),
            ']' => s.push_str("\\]"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            _ => s.push(c),
        }
    }
    // Bare URLs would trip rustdoc's `bare_urls` lint.
    let mut linked = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(at) = rest
        .find("http")
        .filter(|&i| rest[i..].starts_with("http://") || rest[i..].starts_with("https://"))
    {
        linked.push_str(&rest[..at]);
        let mut end = rest[at..]
            .find(|c: char| c.is_whitespace() || c == ')' || c == '"' || c == '\'')
            .map_or(rest.len(), |e| at + e);
        while rest[..end].ends_with(['.', ',', ';', ':']) {
            end -= 1;
        }
        linked.push('<');
        linked.push_str(&rest[at..end]);
        linked.push('>');
        rest = &rest[end..];
    }
    linked.push_str(rest);
    linked
}

/// A blank-line-separated document of paragraphs, as `#[doc]` attributes.
pub fn attrs(paragraphs: &[Vec<String>]) -> TokenStream {
    let mut all: Vec<String> = Vec::new();
    for p in paragraphs.iter().filter(|p| !p.is_empty()) {
        if !all.is_empty() {
            all.push(String::new());
        }
        all.extend(p.iter().cloned());
    }
    let all = all
        .into_iter()
        .map(|l| if l.is_empty() { l } else { format!(" {l}") });
    quote!(#(#[doc = #all])*)
}

/// Inline code in rustdoc: backticks in the content are replaced so the span stays closed.
pub fn code(text: &str) -> String {
    format!("`{}`", text.replace('`', "'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_links_and_fences_are_neutralised() {
        assert_eq!(
            lines("a<br/>b [x] <b>c</b> <u>d</u>"),
            ["a", "b \\[x\\] **c** &lt;u&gt;d&lt;/u&gt;"]
        );
        assert_eq!(
            lines("```\nlet x = 1;\n```"),
            ["```text", "let x = 1;", "```"]
        );
        assert_eq!(lines("    indented code"), ["indented code"]);
        assert_eq!(
            lines("see https://ovh.com/x."),
            ["see <https://ovh.com/x>."]
        );
        assert_eq!(
            lines("```\nunterminated"),
            ["```text", "unterminated", "```"]
        );
    }
}
