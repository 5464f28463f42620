//! CLI cases as files, as wasm-tools' `tests/cli` keeps them: each
//! `tests/cli/cases/*.wat` starts with `;; RUN: ARGS` (`%` is the file
//! itself) and, when the exit code is not 0, `;; EXIT: N`. What the
//! command prints is held to `NAME.wat.stdout` and `NAME.wat.stderr` next
//! to it (no `.stderr` file: nothing on stderr). `BLESS=1` writes them;
//! review the diff before committing.

use std::path::{Path, PathBuf};

use crate::common;

/// The `;; KEY: value` header line of a case.
fn header<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .take_while(|l| l.starts_with(";;"))
        .find_map(|l| l.strip_prefix(&format!(";; {key}:")))
        .map(str::trim)
}

fn expect(path: &Path, actual: &[u8], bless: bool) -> Option<String> {
    let actual = String::from_utf8_lossy(actual);
    if bless {
        if actual.is_empty() {
            let _ = std::fs::remove_file(path);
        } else {
            std::fs::write(path, actual.as_bytes()).expect("bless");
        }
        return None;
    }
    let want = std::fs::read_to_string(path).unwrap_or_default();
    (want != actual).then(|| {
        format!(
            "{} differs (BLESS=1 rewrites it):\n--- want\n{want}\n--- got\n{actual}",
            path.display()
        )
    })
}

#[test]
fn cli_cases_print_what_their_files_say() {
    let dir = common::repo("tests/cli/cases");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/cli/cases")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wat"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "{} cases", cases.len());
    assert!(
        !dir.join("wasm-audit.toml").exists(),
        "no policy may sit among the cases"
    );
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for case in &cases {
        let text = std::fs::read_to_string(case).expect("case");
        let name = case
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let run = header(&text, "RUN").unwrap_or_else(|| panic!("{name}: no `;; RUN:` line"));
        let want_exit: i32 = header(&text, "EXIT").map_or(0, |e| e.parse().expect("EXIT: N"));
        let args: Vec<String> = run
            .split_whitespace()
            .map(|a| {
                if a == "%" {
                    name.clone()
                } else {
                    a.to_string()
                }
            })
            .collect();
        let out = common::bin()
            .current_dir(&dir)
            .args(&args)
            .output()
            .expect("run wasm-audit");
        let code = common::code(&out);
        if code != want_exit && !bless {
            failures.push(format!(
                "{name}: exit {code}, want {want_exit}; stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let base = dir.join(&name);
        for (ext, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let path = base.with_extension(format!("wat.{ext}"));
            failures.extend(expect(&path, bytes, bless));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
