//! Auditing from a host: a Wasmtime embedder or a platform verifying the
//! bytes it loaded against signed trust sets and a policy, before it
//! instantiates them. Load the policy and the signed sets once, then audit
//! each component in memory and instantiate only what passes.
//!
//! ```
//! use base64::Engine as _;
//! use ed25519_dalek::pkcs8::EncodePublicKey as _;
//! use ed25519_dalek::Signer as _;
//! use wasm_audit::audit::Auditor;
//! use wasm_audit::check::{Outcome, Policy};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // What the host is about to instantiate.
//! let component = wat::parse_str(
//!     r#"(component (core module $m (func (export "run"))) (core instance (instantiate $m)))"#,
//! )?;
//! // The release process signed a set of known-good digests (here with a
//! // key made on the spot; a host ships the public key it trusts).
//! let set = format!(
//!     r#"{{"version": 1, "entries": [{{"name": "app", "digest": "{}"}}]}}"#,
//!     wasm_audit::digest::sha256(&component)
//! );
//! let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
//! let signature = base64::engine::general_purpose::STANDARD
//!     .encode(key.sign(set.as_bytes()).to_bytes());
//! let public_key = key.verifying_key().to_public_key_pem(Default::default())?;
//!
//! let mut auditor = Auditor::new(Policy::default());
//! auditor.add_signed_set("trusted.json", set.as_bytes(), signature.as_bytes(), public_key.as_bytes())?;
//! let report = auditor.audit_bytes("app.wasm", &component);
//! assert_eq!(report.verdict, Outcome::Pass);
//!
//! // One byte changed: not what was signed, so it does not pass.
//! let mut tampered = component.clone();
//! *tampered.last_mut().unwrap() ^= 1;
//! assert_ne!(auditor.audit_bytes("app.wasm", &tampered).verdict, Outcome::Pass);
//! # Ok(())
//! # }
//! ```

use std::path::Path;

use crate::analysis::{analyze_bytes, Options};
use crate::check::cfg::LimitsConfig;
use crate::check::{Input, Policy, PolicySource, Report};
use crate::config::{CheckSettings, EffectiveLimits, Resolved};
use crate::error::Result;
use crate::provenance::attestation::Attestation;
use crate::trust::load::{load_set_bytes, Signed};
use crate::trust::CheckedSet;

/// A policy and its verified trust sets, ready to audit any number of
/// components.
#[derive(Debug, Clone)]
pub struct Auditor {
    policy: Policy,
    source: PolicySource,
    sets: Vec<CheckedSet>,
    attestations: Vec<Attestation>,
    limits: EffectiveLimits,
    advisories: Option<std::sync::Arc<crate::advisory::Database>>,
    origins: crate::trust::origin::Origins,
}

impl Auditor {
    /// An auditor with `policy` (its own trust sets are not loaded: add
    /// sets with [`Auditor::add_set`] or [`Auditor::add_signed_set`], or
    /// use [`Auditor::from_policy_file`]).
    pub fn new(policy: Policy) -> Auditor {
        let mut policy = policy;
        let limits = EffectiveLimits::resolve(
            &LimitsConfig::default(),
            Some(("the policy", &policy.limits)),
        );
        policy.limits = limits.config;
        Auditor {
            policy,
            source: PolicySource::default(),
            sets: Vec::new(),
            attestations: Vec::new(),
            limits,
            advisories: None,
            origins: crate::trust::origin::Origins::default(),
        }
    }

    /// An auditor from a policy file: the policy, and every trust set it
    /// names loaded with its signature checked (paths relative to the
    /// policy file).
    pub fn from_policy_file(path: &Path) -> Result<Auditor> {
        Auditor::from_resolved(&Resolved::resolve(&CheckSettings {
            policy: Some(path.to_path_buf()),
            ..CheckSettings::default()
        })?)
    }

    /// An auditor from a resolved configuration (what the command line
    /// does): loads every set it names.
    pub fn from_resolved(resolved: &Resolved) -> Result<Auditor> {
        Ok(Auditor {
            sets: resolved.load_sets()?,
            attestations: resolved.load_attestations()?,
            policy: resolved.policy.clone(),
            source: resolved.source.clone(),
            limits: resolved.limits.clone(),
            advisories: resolved.load_advisories()?.map(std::sync::Arc::new),
            origins: resolved.load_origins()?,
        })
    }

    /// Matches every module's `.dep-v0` crates against `db` in each audit
    /// (findings `vulnerable-crate`, `unmaintained-crate`, `unsound-crate`).
    pub fn set_advisories(&mut self, db: crate::advisory::Database) {
        self.advisories = Some(std::sync::Arc::new(db));
    }

    /// Where packages come from (wkg configuration, lock files, Spin
    /// manifests; see [`crate::trust::origin`]): checked in each audit
    /// against the policy's `[registries] internal`.
    pub fn set_origins(&mut self, origins: crate::trust::origin::Origins) {
        self.origins = origins;
    }

    /// The advisory database audits match against, if any.
    pub fn advisories(&self) -> Option<&crate::advisory::Database> {
        self.advisories.as_deref()
    }

    /// Adds a trust set whose signature was already checked (or not).
    pub fn add_set(&mut self, set: CheckedSet) {
        self.sets.push(set);
    }

    /// Adds a trust set held in memory, checking `signature` (the bytes of
    /// a cosign, Ed25519 or Sigstore-bundle signature file) over its exact
    /// bytes with `public_key_pem`. A signature that does not verify is
    /// not an error here: the set is kept unused and every audit fails
    /// with `signature-invalid`, as `check` does.
    pub fn add_signed_set(
        &mut self,
        name: &str,
        set: &[u8],
        signature: &[u8],
        public_key_pem: &[u8],
    ) -> Result<()> {
        let checked = load_set_bytes(
            name,
            name,
            set,
            Some(Signed {
                path: name,
                signature,
                public_key_pem,
            }),
        )?;
        self.sets.push(checked);
        Ok(())
    }

    /// Adds attestations already read and verified (or not: one that did
    /// not verify vouches for nothing and fails every audit with
    /// `provenance-invalid`), see [`crate::provenance::attestation::load`].
    pub fn add_attestations(&mut self, attestations: Vec<Attestation>) {
        self.attestations.extend(attestations);
    }

    /// The attestations, verified or not.
    pub fn attestations(&self) -> &[Attestation] {
        &self.attestations
    }

    /// The trust sets, with what became of their signatures.
    pub fn sets(&self) -> &[CheckedSet] {
        &self.sets
    }

    /// The analysis options audits run with (the policy's limits).
    pub fn options(&self) -> Options {
        Options {
            limits: self.limits.limits,
            wit: false,
            wiring: true,
        }
    }

    /// The limits in force, with where each came from.
    pub fn limits(&self) -> &EffectiveLimits {
        &self.limits
    }

    /// Audits one component (or core module) held in memory.
    pub fn audit_bytes(&self, name: &str, bytes: &[u8]) -> Report {
        let analysis =
            analyze_bytes(name, bytes, &self.options()).map_err(|e| self.limits.explain(e));
        self.audit(&[Input {
            file: name.to_string(),
            analysis,
        }])
    }

    /// Audits inputs already analysed (or that failed to be).
    pub fn audit(&self, inputs: &[Input]) -> Report {
        Report::generate_full(
            inputs,
            &self.sets,
            &self.attestations,
            &self.origins,
            &self.policy,
            self.source.clone(),
            self.advisories.as_deref(),
        )
    }
}
