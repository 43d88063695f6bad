//! CSV for spreadsheet apps: UTF-8 with a byte-order mark (so Excel reads
//! Chinese correctly), RFC 4180 quoting, and cells that a spreadsheet would
//! run as a formula defused.

const BOM: char = '\u{feff}';

/// The whole file: a header row, then the rows.
pub fn to_csv<R, C>(header: &[&str], rows: R) -> String
where
    R: IntoIterator<Item = C>,
    C: IntoIterator<Item = String>,
{
    let mut out = String::from(BOM);
    push_row(&mut out, header.iter().map(|h| (*h).to_owned()));
    out.push_str(&csv_rows(rows));
    out
}

/// Rows that continue a file `to_csv` started (a long file written in parts).
pub fn csv_rows<R, C>(rows: R) -> String
where
    R: IntoIterator<Item = C>,
    C: IntoIterator<Item = String>,
{
    let mut out = String::new();
    for row in rows {
        push_row(&mut out, row);
    }
    out
}

fn push_row(out: &mut String, cells: impl IntoIterator<Item = String>) {
    let cells: Vec<String> = cells.into_iter().map(|c| cell(&c)).collect();
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

/// One cell. A leading `=`, `+`, `-`, `@`, tab or carriage return would make
/// a spreadsheet evaluate the cell (OWASP "CSV injection"): a leading
/// apostrophe keeps it text. Quotes, commas and line breaks are quoted.
fn cell(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_with_a_bom_and_ends_rows_with_crlf() {
        let csv = to_csv(
            &["时间", "事件"],
            [vec!["2026".to_owned(), "登录".to_owned()]],
        );
        assert_eq!(csv, "\u{feff}时间,事件\r\n2026,登录\r\n");
        assert_eq!(&csv.as_bytes()[..3], b"\xef\xbb\xbf");
    }

    #[test]
    fn formulas_are_defused() {
        for dangerous in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tcmd"] {
            let written = cell(dangerous);
            assert!(
                written.starts_with('\'') || written.starts_with("\"'"),
                "{dangerous} -> {written}"
            );
        }
        assert_eq!(cell("Chrome 120"), "Chrome 120");
    }

    #[test]
    fn quotes_commas_and_newlines_are_quoted() {
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("=1,2"), "\"'=1,2\"");
    }
}
