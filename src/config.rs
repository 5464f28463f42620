//! The resolve step: what a run is told (command-line flags, or a host's
//! settings) laid over the policy file it names becomes one resolved
//! configuration — the policy, the trust sets to load and who named each,
//! the limits and where each came from, and every file the run reads (which
//! no output may replace). The command line only parses flags into
//! [`CheckSettings`]; everything it means is decided here.

use std::path::PathBuf;

use crate::analysis::Options;
use crate::check::cfg::{LimitsConfig, Policy};
use crate::check::PolicySource;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::trust::load::load_set;
use crate::trust::{CheckedSet, SetSpec};

/// The policy file used when none is named: `wasm-audit.toml` in the
/// current directory, when it exists.
pub const DEFAULT_POLICY: &str = "wasm-audit.toml";

/// What an audit run is told, before the policy is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckSettings {
    /// The policy file (`--policy`); `None` looks for [`DEFAULT_POLICY`].
    pub policy: Option<PathBuf>,
    /// More trust sets (`--trust`), after the policy's.
    pub trust: Vec<PathBuf>,
    /// Their signatures, in the same order (`--signature`).
    pub signature: Vec<PathBuf>,
    /// One key for every set, or one per set (`--key`).
    pub key: Vec<PathBuf>,
    /// Limits set by flags; they override the policy's `[limits]`.
    pub limits: LimitsConfig,
    /// Attestation files or folders (`--attestation`), after the policy's.
    pub attestations: Vec<PathBuf>,
    /// The public key of key-signed attestations (`--attestation-key`),
    /// over the policy's `[provenance] key`.
    pub attestation_key: Option<PathBuf>,
    /// A RustSec advisory database directory (`--advisory-db`); it
    /// overrides the policy's `advisory-db`.
    pub advisory_db: Option<PathBuf>,
    /// wkg's configuration file (`--wkg-config`); it overrides the
    /// policy's `[registries] wkg-config`.
    pub wkg_config: Option<PathBuf>,
    /// `wkg.lock` / `Cargo-component.lock` files (`--lock`), after the
    /// policy's.
    pub locks: Vec<PathBuf>,
    /// `spin.toml` manifests (`--spin`), after the policy's.
    pub spin: Vec<PathBuf>,
}

/// A trust set to load, and who named it (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedSet {
    /// The set file, with its signature and key files when given.
    pub spec: SetSpec,
    /// `named by [[trust.sets]] entry 2 of the policy p.toml`; `None` for a flag.
    pub named_by: Option<String>,
}

/// A resolved audit configuration.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The policy, its `[limits]` replaced by the effective ones.
    pub policy: Policy,
    /// Where the policy came from, with the digest of the bytes parsed.
    pub source: PolicySource,
    /// The policy file, if one was read.
    pub policy_path: Option<PathBuf>,
    /// The policy's sets, then the flags' sets.
    pub sets: Vec<NamedSet>,
    /// The effective limits, and which knob (flag, policy or default) set each.
    pub limits: EffectiveLimits,
    /// The advisory database to read: the flag's, else the policy's.
    pub advisory_db: Option<PathBuf>,
}

impl Resolved {
    /// Finds and reads the policy (once: what is parsed is what is
    /// hashed), pairs the flags' sets with their signatures and keys, and
    /// lays the limit flags over the policy's.
    pub fn resolve(settings: &CheckSettings) -> Result<Resolved> {
        if !settings.signature.is_empty() && settings.signature.len() != settings.trust.len() {
            return Err(Error::Usage(format!(
                "{} --signature for {} --trust: give one signature per set, in the same order",
                settings.signature.len(),
                settings.trust.len()
            )));
        }
        if settings.key.len() > 1 && settings.key.len() != settings.trust.len() {
            return Err(Error::Usage(format!(
                "{} --key for {} --trust: give one key for all sets or one per set",
                settings.key.len(),
                settings.trust.len()
            )));
        }
        let policy_path = settings.policy.clone().or_else(|| {
            let default = PathBuf::from(DEFAULT_POLICY);
            default.is_file().then_some(default)
        });
        let (mut policy, source) = match &policy_path {
            Some(p) => {
                let (policy, digest) = Policy::load_with_digest(p)?;
                (
                    policy,
                    PolicySource {
                        path: Some(p.display().to_string()),
                        digest: Some(digest),
                    },
                )
            }
            None => (Policy::default(), PolicySource::default()),
        };
        let policy_name = policy_path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let mut sets: Vec<NamedSet> = policy
            .trust
            .sets
            .iter()
            .enumerate()
            .map(|(i, s)| NamedSet {
                spec: s.clone(),
                named_by: Some(format!(
                    "named by [[trust.sets]] entry {} of the policy {policy_name}",
                    i + 1
                )),
            })
            .collect();
        for (i, path) in settings.trust.iter().enumerate() {
            sets.push(NamedSet {
                spec: SetSpec {
                    path: path.clone(),
                    signature: settings.signature.get(i).cloned(),
                    key: settings.key.get(i).or(settings.key.first()).cloned(),
                    ..SetSpec::default()
                },
                named_by: None,
            });
        }
        // Flags over the policy's [limits] over the defaults; the report
        // embeds the limits it was made with.
        let limits = EffectiveLimits::resolve(
            &settings.limits,
            policy_path
                .as_ref()
                .map(|_| (policy_name.as_str(), &policy.limits)),
        );
        policy.limits = limits.config;
        policy
            .provenance
            .attestations
            .extend(settings.attestations.iter().cloned());
        if let Some(k) = &settings.attestation_key {
            policy.provenance.key = Some(k.clone());
        }
        let advisory_db = settings
            .advisory_db
            .clone()
            .or_else(|| policy.advisory_db.clone());
        let reg = &mut policy.registries;
        if let Some(c) = &settings.wkg_config {
            reg.wkg_config = Some(c.clone());
        }
        reg.locks.extend(settings.locks.iter().cloned());
        reg.spin.extend(settings.spin.iter().cloned());
        Ok(Resolved {
            policy,
            source,
            policy_path,
            sets,
            limits,
            advisory_db,
        })
    }

    /// Every file the run reads besides its inputs: the policy, the sets,
    /// their signatures and keys.
    pub fn reads(&self) -> Vec<PathBuf> {
        let mut reads: Vec<PathBuf> = self.policy_path.iter().cloned().collect();
        for s in &self.sets {
            reads.push(s.spec.path.clone());
            reads.extend(s.spec.signature.iter().cloned());
            reads.extend(s.spec.key.iter().cloned());
        }
        let prov = &self.policy.provenance;
        reads.extend(
            crate::provenance::attestation::expand(&prov.attestations)
                .unwrap_or_else(|_| prov.attestations.clone()),
        );
        reads.extend(prov.key.iter().cloned());
        reads.extend(prov.trusted_root.iter().cloned());
        reads.extend(self.advisory_db.iter().cloned());
        let reg = &self.policy.registries;
        reads.extend(reg.wkg_config.iter().cloned());
        reads.extend(reg.locks.iter().chain(&reg.spin).cloned());
        reads
    }

    /// Reads the wkg configuration, lock files and Spin manifests that say
    /// where packages come from (`[registries]`, `--wkg-config`, `--lock`,
    /// `--spin`). A file that cannot be read or parsed is an error: a
    /// gate that skipped it would pass what it did not check.
    pub fn load_origins(&self) -> Result<crate::trust::origin::Origins> {
        use std::io::Read as _;
        let reg = &self.policy.registries;
        let mut origins = crate::trust::origin::Origins::default();
        let read = |p: &PathBuf| -> Result<Vec<u8>> {
            let limit = crate::trust::sets::MAX_SET_SIZE as u64;
            let mut bytes = Vec::new();
            std::fs::File::open(p)
                .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
                .map_err(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => Error::NotFound { path: p.clone() },
                    _ => Error::Read {
                        path: p.clone(),
                        source: e,
                    },
                })?;
            Ok(bytes)
        };
        let invalid =
            |e: crate::trust::sets::SetError| Error::Usage(format!("invalid registry file: {e}"));
        if let Some(c) = &reg.wkg_config {
            origins
                .add_wkg_config(&c.display().to_string(), &read(c)?)
                .map_err(invalid)?;
        }
        for (list, spin) in [(&reg.locks, false), (&reg.spin, true)] {
            for p in list {
                origins
                    .add_sources(&p.display().to_string(), &read(p)?, spin)
                    .map_err(invalid)?;
            }
        }
        Ok(origins)
    }

    /// Reads and verifies every attestation the policy and the flags name.
    /// An unreadable file, key or trusted root is an error; an attestation
    /// that does not verify is kept, with why (it vouches for nothing).
    pub fn load_attestations(&self) -> Result<Vec<crate::provenance::attestation::Attestation>> {
        let prov = &self.policy.provenance;
        if prov.attestations.is_empty() {
            return Ok(Vec::new());
        }
        crate::provenance::attestation::load(&prov.attestations, &self.verifiers()?)
            .map_err(Error::Usage)
    }

    /// How attestations are verified: the attestation key, the trusted
    /// root and the identity the policy and the flags name (read here).
    pub fn verifiers(&self) -> Result<crate::provenance::attestation::Verifiers> {
        use crate::provenance::attestation::Verifiers;
        use crate::provenance::read_document;
        use crate::provenance::sigstore::{IdentityMatch, IdentityPolicy, TrustedRoot};
        let prov = &self.policy.provenance;
        let usage = |m: String| Error::Usage(m);
        let text = |p: &std::path::Path, what: &str| -> Result<String> {
            let bytes = read_document(p, what).map_err(usage)?;
            String::from_utf8(bytes)
                .map_err(|_| usage(format!("{what} {}: not UTF-8 text", p.display())))
        };
        let key = match &prov.key {
            Some(p) => Some(text(p, "attestation key")?),
            None => None,
        };
        let root = match &prov.trusted_root {
            Some(p) => Some(
                TrustedRoot::from_json(&text(p, "trusted root")?, &p.display().to_string())
                    .map_err(|e| usage(e.to_string()))?,
            ),
            None => None,
        };
        let identity = match (
            &prov.certificate_identity,
            &prov.certificate_identity_regexp,
            &prov.certificate_oidc_issuer,
        ) {
            (Some(i), _, Some(issuer)) => Some(IdentityPolicy {
                identity: IdentityMatch::Exact(i.clone()),
                ..IdentityPolicy::exact("", issuer)
            }),
            (None, Some(r), Some(issuer)) => {
                let p = IdentityPolicy {
                    identity: IdentityMatch::Regexp(r.clone()),
                    ..IdentityPolicy::exact("", issuer)
                };
                p.validate().map_err(|e| usage(e.to_string()))?;
                Some(p)
            }
            _ => None,
        };
        Ok(Verifiers {
            key,
            identity,
            root,
        })
    }

    /// Reads the advisory database, when one is named.
    pub fn load_advisories(&self) -> Result<Option<crate::advisory::Database>> {
        self.advisory_db
            .as_deref()
            .map(crate::advisory::Database::open)
            .transpose()
    }

    /// Loads every set and checks its signature; an error says who named
    /// the set.
    pub fn load_sets(&self) -> Result<Vec<CheckedSet>> {
        self.sets
            .iter()
            .map(|s| {
                load_set(&s.spec).map_err(|e| match &s.named_by {
                    Some(by) => Error::TrustSet {
                        message: format!("{e} ({by})"),
                    },
                    None => e,
                })
            })
            .collect()
    }

    /// The analysis options of the run (no WIT decoding: the audit does
    /// not use it).
    pub fn options(&self) -> Options {
        Options {
            limits: self.limits.limits,
            wit: false,
            wiring: true,
        }
    }
}

/// Where an effective limit was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LimitOrigin {
    /// The built-in default.
    Default,
    /// A command-line flag (`--max-depth`).
    Flag,
    /// The `[limits]` table of this policy file.
    Policy(String),
}

/// The limits a run uses: the flags over the policy over the defaults,
/// with where each came from, so that a limit error names the knob that
/// set the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveLimits {
    /// The limits to apply.
    pub limits: Limits,
    /// What the flags and the policy set, merged (flags win).
    pub config: LimitsConfig,
    flags: LimitsConfig,
    policy: Option<(String, LimitsConfig)>,
}

impl EffectiveLimits {
    /// Lays `flags` over the `[limits]` of `policy` (its file name and
    /// table), over the defaults.
    pub fn resolve(flags: &LimitsConfig, policy: Option<(&str, &LimitsConfig)>) -> Self {
        let empty = LimitsConfig::default();
        let under = policy.map(|(_, l)| l).unwrap_or(&empty);
        let config = flags.over(under);
        EffectiveLimits {
            limits: config.apply(Limits::default()),
            config,
            flags: *flags,
            policy: policy.map(|(p, l)| (p.to_string(), *l)),
        }
    }

    /// Where the limit of a knob (`max-depth` or `--max-depth`) was set.
    pub fn origin(&self, knob: &str) -> LimitOrigin {
        let knob = knob.trim_start_matches("--");
        if self.flags.knobs().iter().any(|(k, _)| k == knob) {
            return LimitOrigin::Flag;
        }
        match &self.policy {
            Some((path, l)) if l.knobs().iter().any(|(k, _)| k == knob) => {
                LimitOrigin::Policy(path.clone())
            }
            _ => LimitOrigin::Default,
        }
    }

    /// A limit error that says which knob set the limit: the flag, or the
    /// policy's `[limits]` (which the flag overrides). Other errors are
    /// returned as they are.
    pub fn explain(&self, e: Error) -> Error {
        let Error::LimitExceeded {
            input,
            what,
            limit,
            flag,
        } = e
        else {
            return e;
        };
        let knob = flag.trim_start_matches("--");
        let what = match self.origin(flag) {
            LimitOrigin::Default => what,
            LimitOrigin::Flag => format!("{what}; the limit comes from {flag} {limit}"),
            LimitOrigin::Policy(path) => format!(
                "{what}; the limit comes from `{knob} = {limit}` in [limits] of the policy {path}, which {flag} overrides"
            ),
        };
        Error::LimitExceeded {
            input,
            what,
            limit,
            flag,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every limit (the keys of `Limits`, so a new one is covered without
    /// touching this test): a flag wins over the policy, the policy over
    /// the default, and the origin names who set it.
    #[test]
    fn flags_override_the_policy_for_every_limit() {
        let keys: Vec<String> = match serde_json::to_value(Limits::default()) {
            Ok(serde_json::Value::Object(m)) => m.keys().cloned().collect(),
            other => panic!("limits serialise as an object: {other:?}"),
        };
        assert!(keys.len() >= 4, "{keys:?}");
        let set = |k: &str, v: u64| -> LimitsConfig {
            serde_json::from_value(serde_json::json!({ k: v })).expect("one knob")
        };
        let value = |l: &Limits, k: &str| serde_json::to_value(l).expect("limits")[k].clone();
        for k in &keys {
            let (flags, policy) = (set(k, 7), set(k, 5));
            let both = EffectiveLimits::resolve(&flags, Some(("p.toml", &policy)));
            assert_eq!(value(&both.limits, k), 7, "{k}: the flag wins");
            assert_eq!(both.origin(k), LimitOrigin::Flag);
            assert_eq!(both.origin(&format!("--{k}")), LimitOrigin::Flag);
            let only_policy =
                EffectiveLimits::resolve(&LimitsConfig::default(), Some(("p.toml", &policy)));
            assert_eq!(
                value(&only_policy.limits, k),
                5,
                "{k}: the policy over the default"
            );
            assert_eq!(only_policy.origin(k), LimitOrigin::Policy("p.toml".into()));
            let none = EffectiveLimits::resolve(&LimitsConfig::default(), None);
            assert_eq!(none.limits, Limits::default());
            assert_eq!(none.origin(k), LimitOrigin::Default);
            // Another knob of the policy is kept under this flag.
            for other in keys.iter().filter(|o| *o != k) {
                let merged = set(k, 7).over(&set(other, 5));
                assert_eq!(merged.knobs().len(), 2, "{k} over {other}");
            }
        }
    }

    #[test]
    fn limit_errors_name_the_knob_that_set_the_limit() {
        let e = || crate::Error::LimitExceeded {
            input: "app.wasm".into(),
            what: "nesting deeper than 2 levels".into(),
            limit: 2,
            flag: "--max-depth",
        };
        let policy = LimitsConfig {
            max_depth: Some(2),
            ..LimitsConfig::default()
        };
        let from_policy =
            EffectiveLimits::resolve(&LimitsConfig::default(), Some(("ci/p.toml", &policy)))
                .explain(e())
                .to_string();
        assert!(
            from_policy.contains("`max-depth = 2` in [limits] of the policy ci/p.toml"),
            "{from_policy}"
        );
        let from_flag = EffectiveLimits::resolve(&policy, None)
            .explain(e())
            .to_string();
        assert!(
            from_flag.contains("comes from --max-depth 2"),
            "{from_flag}"
        );
        let default = EffectiveLimits::resolve(&LimitsConfig::default(), None)
            .explain(e())
            .to_string();
        assert_eq!(default, e().to_string());
    }
}
