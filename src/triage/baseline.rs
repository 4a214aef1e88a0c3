//! Baselines: a previous leakhound JSON (or JSON Lines) report whose findings are not reported
//! again. Only fingerprints are read, so a baseline never needs to hold secrets (reports are
//! redacted by default) and stays valid across line moves.

use std::path::Path;

/// Reads the fingerprints of a JSON report (`{"findings": [...]}`) or JSON Lines report,
/// through [`crate::control_file::read`] (a symbolic link is followed only inside `root`).
///
/// # Errors
/// A message naming the file when it cannot be read or holds neither format.
pub fn load(path: &Path, root: &Path) -> Result<Vec<String>, String> {
    let text = crate::control_file::read(path, root, "baseline").map_err(|e| e.to_string())?;
    parse(&text).map_err(|e| {
        format!(
            "{}: not a leakhound JSON or JSON Lines report: {}",
            path.display(),
            crate::control_file::parser_message(&e)
        )
    })
}

/// Parses report text; see [`load`].
///
/// # Errors
/// The JSON error, or a missing `fingerprint`.
pub fn parse(text: &str) -> Result<Vec<String>, String> {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Ok(Vec::new());
    }
    let findings: Vec<serde_json::Value> = match serde_json::from_str::<serde_json::Value>(trimmed)
    {
        Ok(serde_json::Value::Object(doc)) if doc.contains_key("findings") => {
            match &doc["findings"] {
                serde_json::Value::Array(a) => a.clone(),
                _ => return Err("`findings` is not an array".into()),
            }
        }
        Ok(serde_json::Value::Object(one)) => vec![serde_json::Value::Object(one)],
        Ok(_) => return Err("expected an object".into()),
        Err(_) => trimmed
            .lines()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
            .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1)))
            .collect::<Result<_, _>>()?,
    };
    findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            f["fingerprint"]
                .as_str()
                .map(str::to_ascii_lowercase)
                .ok_or_else(|| format!("finding {i} has no fingerprint"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn json_and_jsonl() {
        let doc = r#"{"findings": [{"fingerprint": "AB"}, {"fingerprint": "cd"}], "summary": {}}"#;
        assert_eq!(parse(doc).unwrap(), ["ab", "cd"]);
        let lines = "{\"fingerprint\": \"ab\"}\n{\"fingerprint\": \"cd\"}\n";
        assert_eq!(parse(lines).unwrap(), ["ab", "cd"]);
        assert!(parse("{\"findings\": [{}]}").is_err());
        assert!(parse("not json").is_err());
        assert!(parse("").unwrap().is_empty());
    }
}
