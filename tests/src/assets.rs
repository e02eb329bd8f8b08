//! What a page loads from `/pkg/`: found in its HTML, then in the modules
//! its JavaScript imports. Used by the first-load budget test and by
//! `loadgen` (which includes this file by path).

/// `/pkg/…` resources a page loads (stylesheet, script, WebAssembly).
pub fn pkg_resources(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("/pkg/") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| c == '"' || c == '\'' || c == ')' || c == '`' || c.is_whitespace())
            .unwrap_or(tail.len());
        let url = tail[..end].to_string();
        if !found.contains(&url) && url.len() > "/pkg/".len() {
            found.push(url);
        }
        rest = &tail[end..];
    }
    found
}

/// The `./name.js` modules a script imports statically (`from"./x.js"`), as
/// paths beside `script`.
pub fn js_imports(source: &str, script: &str) -> Vec<String> {
    let dir = script.rsplit_once('/').map_or("", |(d, _)| d);
    let mut found = Vec::new();
    for quote in ['"', '\''] {
        let needle = format!("from{quote}./");
        let spaced = format!("from {quote}./");
        for pattern in [needle, spaced] {
            let mut rest = source;
            while let Some(i) = rest.find(&pattern) {
                let tail = &rest[i + pattern.len()..];
                let end = tail.find(quote).unwrap_or(tail.len());
                let name = &tail[..end];
                let url = format!("{dir}/{name}");
                if name.ends_with(".js") && !found.contains(&url) {
                    found.push(url);
                }
                rest = &tail[end..];
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_html_names_its_stylesheet_script_and_webassembly_once_each() {
        let html = r#"<link rel="stylesheet" href="/pkg/app.css"><link rel="modulepreload" href="/pkg/app.js">
            <script type="module">import('/pkg/app.js').then(m => m.default('/pkg/app.wasm'))</script>"#;

        assert_eq!(
            pkg_resources(html),
            ["/pkg/app.css", "/pkg/app.js", "/pkg/app.wasm"]
        );
    }

    #[test]
    fn static_imports_resolve_beside_the_importing_script() {
        let source = r#"import{a}from"./loader.js";import { b } from './other.js';const c = "./not-an-import.js";"#;

        assert_eq!(
            js_imports(source, "/pkg/app.js"),
            ["/pkg/loader.js", "/pkg/other.js"]
        );
    }
}
