//! Host capabilities: what a capability is (a root import reaching a part,
//! with the way it came), the WASI families in the order a reviewer reads
//! them, which capabilities are risky, and how policy patterns match them.
//! The one place every stage asks these questions.

use serde::{Deserialize, Serialize};

/// WASI families in the order a reviewer should read them.
pub const FAMILIES: &[&str] = &[
    "wasi:filesystem",
    "wasi:sockets",
    "wasi:http",
    "wasi:cli",
    "wasi:clocks",
    "wasi:random",
    "wasi:io",
];

/// The family of an interface name: `wasi:filesystem` for
/// `wasi:filesystem/preopens@0.2.0`, `other` for anything else.
pub fn family(interface: &str) -> &'static str {
    let package = interface.split('/').next().unwrap_or(interface);
    FAMILIES
        .iter()
        .find(|f| **f == package)
        .copied()
        .unwrap_or("other")
}

/// Where a family comes in the reading order ([`FAMILIES`], then `other`).
pub fn family_rank(family: &str) -> usize {
    FAMILIES
        .iter()
        .position(|f| *f == family)
        .unwrap_or(FAMILIES.len())
}

/// How risky an interface is: filesystem access, or network access
/// (sockets, outgoing HTTP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Risk {
    /// `wasi:filesystem/...`: filesystem access.
    Filesystem,
    /// `wasi:sockets/...` or `wasi:http/outgoing-handler`: network access.
    Network,
}

/// The risk of an interface name, if it is one of the risky ones.
pub fn risk(interface: &str) -> Option<Risk> {
    if interface.starts_with("wasi:filesystem/") {
        Some(Risk::Filesystem)
    } else if interface.starts_with("wasi:sockets/")
        || interface.starts_with("wasi:http/outgoing-handler")
    {
        Some(Risk::Network)
    } else {
        None
    }
}

/// Whether an interface gives filesystem, network or outgoing-HTTP access.
pub fn is_risky(interface: &str) -> bool {
    risk(interface).is_some()
}

/// One step of the way a capability came: `import` of the node at `path`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Binding {
    /// Path of the node whose import the capability came through
    /// (`/component[0]`).
    pub path: String,
    /// The import of that node it came through, by name.
    pub import: String,
}

/// A root host import reaching a node, and the bindings it came through
/// (root first).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Capability {
    /// The root import's name (its label when it has an `implements`).
    pub interface: String,
    /// The interface a labelled import implements
    /// (`(import "net" (implements "wasi:sockets/tcp@0.2.0") ...)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implements: Option<String>,
    /// The bindings the capability came through, root first: each an import
    /// of the node at its path.
    pub via: Vec<Binding>,
}

impl Capability {
    /// The interface this capability is: what it implements, else its name.
    pub fn name(&self) -> &str {
        self.implements.as_deref().unwrap_or(&self.interface)
    }

    /// Whether a deny pattern catches it: by its name or by what it
    /// implements (either is enough to deny).
    pub fn denied_by(&self, pattern: &str) -> bool {
        pattern_matches(pattern, &self.interface)
            || self
                .implements
                .as_deref()
                .is_some_and(|i| pattern_matches(pattern, i))
    }

    /// Whether an allow pattern lets it through: by what it is (what it
    /// implements when it says so), never by a label alone.
    pub fn allowed_by(&self, pattern: &str) -> bool {
        pattern_matches(pattern, self.name())
    }

    /// `net (implements wasi:sockets/tcp@0.2.0)`, or the name alone.
    pub fn label(&self) -> String {
        match &self.implements {
            Some(i) => format!("{} (implements {i})", self.interface),
            None => self.interface.clone(),
        }
    }
}

/// Whether `pattern` (with `*` wildcards) matches the interface name
/// `name`. A pattern without `@` also matches any version of the name
/// (`wasi:http/outgoing-handler` matches `wasi:http/outgoing-handler@0.2.0`).
pub fn pattern_matches(pattern: &str, name: &str) -> bool {
    if glob(pattern.as_bytes(), name.as_bytes()) {
        return true;
    }
    if !pattern.contains('@') {
        if let Some((unversioned, _)) = name.split_once('@') {
            return glob(pattern.as_bytes(), unversioned.as_bytes());
        }
    }
    false
}

/// `*` matches any run of characters; iterative, so no input can make it
/// recurse deeply.
fn glob(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(&c) if Some(&c) == s.get(si) => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == b'*'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        assert_eq!(family("wasi:filesystem/preopens@0.2.0"), "wasi:filesystem");
        assert_eq!(family("wasi:http/outgoing-handler@0.2.3"), "wasi:http");
        assert_eq!(family("wasi:sockets/tcp"), "wasi:sockets");
        assert_eq!(family("wasmcloud:example/receiver"), "other");
        assert_eq!(family("log"), "other");
        assert!(family_rank("wasi:filesystem") < family_rank("wasi:io"));
        assert!(family_rank("wasi:io") < family_rank("other"));
    }

    #[test]
    fn risks() {
        assert_eq!(risk("wasi:filesystem/types@0.2.0"), Some(Risk::Filesystem));
        assert_eq!(risk("wasi:sockets/tcp@0.2.0"), Some(Risk::Network));
        assert_eq!(
            risk("wasi:http/outgoing-handler@0.2.0"),
            Some(Risk::Network)
        );
        assert_eq!(risk("wasi:http/incoming-handler@0.2.0"), None);
        assert!(!is_risky("wasi:cli/stdout@0.2.0"));
    }

    #[test]
    fn patterns() {
        assert!(pattern_matches(
            "wasi:filesystem/*",
            "wasi:filesystem/preopens@0.2.0"
        ));
        assert!(pattern_matches(
            "wasi:http/outgoing-handler@0.2.*",
            "wasi:http/outgoing-handler@0.2.3"
        ));
        assert!(!pattern_matches(
            "wasi:http/outgoing-handler@0.2.*",
            "wasi:http/outgoing-handler@0.3.0"
        ));
        assert!(pattern_matches(
            "wasi:http/outgoing-handler",
            "wasi:http/outgoing-handler@0.2.0"
        ));
        assert!(!pattern_matches(
            "wasi:http/outgoing-handler",
            "wasi:http/outgoing-handler-x@0.2.0"
        ));
        assert!(pattern_matches("*", "anything"));
        assert!(!pattern_matches(
            "wasi:sockets/*",
            "wasi:filesystem/types@0.2.0"
        ));
        assert!(pattern_matches("a*b*c", "aXXbYYc"));
        assert!(!pattern_matches("a*b*c", "aXXbYY"));
    }
}
