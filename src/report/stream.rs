//! Streaming JSON documents: the one large array of a document (the findings of a lint run)
//! is written item by item, so memory is bounded by one file's findings, not the whole run.
//! The pieces are strings; the binary writes them as they come.

use serde::Serialize;

/// `value` as pretty JSON with every line after the first indented by `indent` spaces.
pub fn pretty_at(value: &impl Serialize, indent: usize) -> serde_json::Result<String> {
    let text = serde_json::to_string_pretty(value)?;
    let pad = " ".repeat(indent);
    Ok(text.replace('\n', &format!("\n{pad}")))
}

/// An array whose opening bracket has been written, at an object member of depth `indent`.
#[derive(Debug)]
pub struct ArrayStream {
    indent: usize,
    count: usize,
}

impl ArrayStream {
    /// An array whose member line is indented by `indent` spaces.
    pub fn new(indent: usize) -> ArrayStream {
        ArrayStream { indent, count: 0 }
    }

    /// The text of the next item, with its separator.
    pub fn item(&mut self, value: &impl Serialize) -> serde_json::Result<String> {
        let sep = if self.count == 0 { "\n" } else { ",\n" };
        self.count += 1;
        let pad = " ".repeat(self.indent + 2);
        Ok(format!("{sep}{pad}{}", pretty_at(value, self.indent + 2)?))
    }

    /// The closing bracket.
    pub fn close(&self) -> String {
        if self.count == 0 {
            "]".to_string()
        } else {
            format!("\n{}]", " ".repeat(self.indent))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_streamed_array_is_the_array_serde_would_write() {
        let items = vec![serde_json::json!({"a": 1}), serde_json::json!([2, 3])];
        let mut s = ArrayStream::new(2);
        let mut text = String::from("{\n  \"x\": [");
        for i in &items {
            text.push_str(&s.item(i).unwrap());
        }
        text.push_str(&s.close());
        text.push_str("\n}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, serde_json::json!({"x": items}));
        assert_eq!(text, serde_json::to_string_pretty(&back).unwrap());
        let empty = ArrayStream::new(2);
        assert_eq!(empty.close(), "]");
    }
}
