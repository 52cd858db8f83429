//! A small indented XML text builder with escaping: enough for writing MusicXML by hand.

use std::fmt::Write as _;

/// XML text under construction, indented by two spaces per level.
#[derive(Debug, Default)]
pub(crate) struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    /// Starts a document with the XML declaration and a document type line.
    pub(crate) fn document(doctype: &str) -> Self {
        let mut xml = Xml::default();
        xml.out
            .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
        xml.out.push_str(doctype);
        xml.out.push('\n');
        xml
    }

    /// The text written so far.
    pub(crate) fn finish(self) -> String {
        self.out
    }

    fn start_tag(&mut self, name: &str, attributes: &[(&str, &str)]) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attributes {
            let _ = write!(self.out, " {key}=\"{}\"", escape(value));
        }
    }

    /// `<name attributes>`, then one level deeper.
    pub(crate) fn open(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.start_tag(name, attributes);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    /// `</name>`, one level up.
    pub(crate) fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        let _ = writeln!(self.out, "</{name}>");
    }

    /// `<name attributes/>`.
    pub(crate) fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.start_tag(name, attributes);
        self.out.push_str("/>\n");
    }

    /// `<name>text</name>`, the text escaped.
    pub(crate) fn text(&mut self, name: &str, text: &str) {
        self.start_tag(name, &[]);
        let _ = writeln!(self.out, ">{}</{name}>", escape(text));
    }
}

/// Text or an attribute value with `& < > " '` escaped and the characters XML 1.0 cannot hold
/// (control characters other than tab, line feed and carriage return) left out.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if u32::from(c) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped() {
        assert_eq!(
            escape("a<b> & \"c\" 'd'\u{1}"),
            "a&lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;"
        );
        let mut xml = Xml::default();
        xml.open("a", &[("x", "1&2")]);
        xml.text("b", "<t>");
        xml.empty("c", &[]);
        xml.close("a");
        assert_eq!(
            xml.finish(),
            "<a x=\"1&amp;2\">\n  <b>&lt;t&gt;</b>\n  <c/>\n</a>\n"
        );
    }
}
