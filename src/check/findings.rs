//! Finding codes: stable, kebab-case, unique (a test holds them to that),
//! each documented here and in the README, so that users can set their
//! severity by code and SARIF rule ids stay stable.

use serde::Serialize;

use crate::policy::Severity;

/// The kinds of findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// A module with function bodies whose digest is not trusted and that has
    /// no trusted ancestor.
    UnknownCode,
    /// A node whose name matches a trusted entry but whose bytes differ.
    Substituted,
    /// A trust set's signature does not verify with the given key (or is
    /// malformed, or a bundle's digest is not the set's): the set is not used.
    SignatureInvalid,
    /// A trust set without a signature while the policy requires one.
    TrustSetUnsigned,
    /// A capability that the policy denies reaches a part.
    CapabilityDenied,
    /// A trust entry that matched no node of any input.
    UnusedTrustEntry,
    /// A policy rule (a per-component capability rule) that matched no part.
    UnusedPolicyRule,
    /// An input exceeded a limit (depth, nodes, size, `.dep-v0`, wiring
    /// work): it was not audited.
    LimitExceeded,
    /// The composition instantiates a core module or component that the
    /// host supplies at link time: code that cannot be audited.
    ImportedCode,
}

impl Code {
    /// Every code, in documentation order.
    pub const ALL: &'static [Code] = &[
        Code::UnknownCode,
        Code::Substituted,
        Code::SignatureInvalid,
        Code::TrustSetUnsigned,
        Code::CapabilityDenied,
        Code::UnusedTrustEntry,
        Code::UnusedPolicyRule,
        Code::LimitExceeded,
        Code::ImportedCode,
    ];

    /// The stable kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Code::UnknownCode => "unknown-code",
            Code::Substituted => "substituted",
            Code::SignatureInvalid => "signature-invalid",
            Code::TrustSetUnsigned => "trust-set-unsigned",
            Code::CapabilityDenied => "capability-denied",
            Code::UnusedTrustEntry => "unused-trust-entry",
            Code::UnusedPolicyRule => "unused-policy-rule",
            Code::LimitExceeded => "limit-exceeded",
            Code::ImportedCode => "imported-code",
        }
    }

    /// The code named `name`.
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.name() == name)
    }

    /// One line for people (SARIF rule descriptions, the README table).
    pub fn description(self) -> &'static str {
        match self {
            Code::UnknownCode => "Code (a module or component that can act: function bodies, a start function, active data or element segments, exported definitions with initial contents) whose digest is not in any trusted set and that no trusted ancestor covers.",
            Code::Substituted => "A node carries the name of a trusted entry but different bytes: a substitution.",
            Code::SignatureInvalid => "A trust set's signature does not verify over its exact bytes with the given key; the set is not used.",
            Code::TrustSetUnsigned => "A trust set has no signature while the policy requires one (the default).",
            Code::CapabilityDenied => "A host capability that the policy denies reaches a part of the composition.",
            Code::UnusedTrustEntry => "A trusted digest matched no node of the audited inputs.",
            Code::UnusedPolicyRule => "A per-component capability rule matched no part of the audited inputs.",
            Code::LimitExceeded => "An input exceeded a limit (depth, node count, file size, decompressed .dep-v0, wiring work) and was not audited.",
            Code::ImportedCode => "The composition instantiates a core module or component supplied by the host at link time: code that cannot be audited.",
        }
    }

    /// Severity when the policy says nothing.
    pub fn default_severity(self) -> Severity {
        match self {
            Code::UnusedTrustEntry | Code::UnusedPolicyRule => Severity::Warn,
            _ => Severity::Deny,
        }
    }

    /// Codes no policy can soften: the audit fails closed on them. Each
    /// stands for something that was not audited at all (a trust set that
    /// is not what was signed, an input past a limit, code the host
    /// supplies), so no severity may turn it into a pass.
    pub fn fail_closed(self) -> bool {
        matches!(
            self,
            Code::SignatureInvalid | Code::LimitExceeded | Code::ImportedCode
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case_and_round_trip() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.name()).collect();
        for n in &names {
            assert!(
                n.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{n} is kebab-case"
            );
            assert_eq!(Code::from_name(n).map(|c| c.name()), Some(*n));
        }
        let before = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), before, "codes are unique");
        // The serde name is the same as the stable name.
        for c in Code::ALL {
            assert_eq!(serde_json::to_value(c).expect("json"), c.name());
        }
    }

    #[test]
    fn every_code_is_documented_in_the_readme() {
        let readme = include_str!("../../README.md");
        for c in Code::ALL {
            assert!(
                readme.contains(&format!("`{}`", c.name())),
                "README documents {}",
                c.name()
            );
        }
    }
}
