//! The audit: a validated policy ([`cfg`](mod@cfg)), every finding it can make
//! ([`diags`]), the trust verdict of every node ([`verdicts`]) and the one
//! pure decision ([`report`]). Loading and verifying trust sets is
//! [`crate::trust`]'s.

pub mod cfg;
pub mod diags;
pub(crate) mod origin;
pub mod report;
pub mod verdicts;

pub use crate::trust::{CheckedSet, SignatureStatus};
pub use cfg::{Policy, PolicyError};
pub use diags::{Code, Diag, Severity};
pub use report::{
    Finding, Input, InputReport, NodeReport, Outcome, PolicyReport, PolicySource, Report,
    SetReport, Summary,
};
pub use verdicts::Verdict;
