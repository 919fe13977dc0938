//! GitHub Actions workflow commands: one `::error`, `::warning` or `::notice` line per
//! finding, which the runner turns into an annotation on the file and line of the pull request.

use crate::lint::FileReport;
use crate::registry::Severity;

/// The annotation lines of a file's findings. `path` is the file relative to the repository
/// root, with `/` separators (what the runner matches against the checkout).
pub fn annotations(report: &FileReport, path: &str) -> String {
    let mut out = String::new();
    for item in &report.findings {
        let f = &item.finding;
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut props = vec![
            format!("file={}", property(path)),
            format!("line={}", item.start.line),
        ];
        // The runner ignores columns on an annotation that spans lines.
        if item.start.line == item.end.line {
            props.push(format!("col={}", item.start.column));
            props.push(format!("endLine={}", item.end.line));
            props.push(format!("endColumn={}", item.end.column));
        } else {
            props.push(format!("endLine={}", item.end.line));
        }
        props.push(format!(
            "title={}",
            property(&format!("{} {}", f.code.as_str(), f.code.name()))
        ));
        let mut message = f.message.clone();
        if let Some(a) = &item.address {
            message.push_str(&format!(" (in {a})"));
        }
        if let Some(h) = &f.help {
            message.push_str("\nhelp: ");
            message.push_str(h);
        }
        out.push_str(&format!(
            "::{command} {}::{}\n",
            props.join(","),
            data(&message)
        ));
    }
    out
}

/// Escapes a command's message: `%`, CR and LF.
pub fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: as [`data`], and `:` and `,`.
pub fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_workflow_command_rules() {
        assert_eq!(data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
