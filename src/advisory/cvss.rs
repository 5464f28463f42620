//! CVSS scores from a vector string, for the SBOM ratings: v3.0/v3.1 with
//! the specification's formulas (section 7), written here; v4.0 with
//! RustSec's `cvss` crate (its scoring is a lookup table of macrovectors
//! and an interpolation, not a formula).

/// A parsed CVSS vector's score and severity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rating {
    /// 0.0 to 10.0, one decimal.
    pub score: f64,
    /// `none`, `low`, `medium`, `high` or `critical`.
    pub severity: &'static str,
    /// The CVSS version: (3, 0), (3, 1) or (4, 0).
    pub version: (u8, u8),
}

/// The severity band of a score.
pub fn severity(score: f64) -> &'static str {
    if score <= 0.0 {
        "none"
    } else if score < 4.0 {
        "low"
    } else if score < 7.0 {
        "medium"
    } else if score < 9.0 {
        "high"
    } else {
        "critical"
    }
}

/// The CVSS 3.1 round-up (Appendix A): the smallest one-decimal number
/// not below `x`, computed on integers to avoid floating-point surprises.
fn round_up(x: f64) -> f64 {
    let int_input = (x * 100_000.0).round() as i64;
    if int_input % 10_000 == 0 {
        int_input as f64 / 100_000.0
    } else {
        ((int_input / 10_000) + 1) as f64 / 10.0
    }
}

/// The score of a `CVSS:3.0/...`, `CVSS:3.1/...` or `CVSS:4.0/...` vector;
/// `None` for another version or a vector missing a base metric. A 3.x
/// score is the base score (other metrics are not read); a 4.0 score is the
/// vector's, which is CVSS-B when it holds base metrics only (as RustSec's
/// do) and takes threat and environmental metrics into account otherwise.
pub fn base_score(vector: &str) -> Option<Rating> {
    if vector.starts_with("CVSS:4.0/") {
        return v4_score(vector);
    }
    let mut parts = vector.split('/');
    let minor = match parts.next()? {
        "CVSS:3.0" => 0,
        "CVSS:3.1" => 1,
        _ => return None,
    };
    let mut m = std::collections::BTreeMap::new();
    for p in parts {
        let (k, v) = p.split_once(':')?;
        if m.insert(k, v).is_some() {
            return None;
        }
    }
    let changed = match *m.get("S")? {
        "U" => false,
        "C" => true,
        _ => return None,
    };
    let av = match *m.get("AV")? {
        "N" => 0.85,
        "A" => 0.62,
        "L" => 0.55,
        "P" => 0.2,
        _ => return None,
    };
    let ac = match *m.get("AC")? {
        "L" => 0.77,
        "H" => 0.44,
        _ => return None,
    };
    let pr = match (*m.get("PR")?, changed) {
        ("N", _) => 0.85,
        ("L", false) => 0.62,
        ("L", true) => 0.68,
        ("H", false) => 0.27,
        ("H", true) => 0.5,
        _ => return None,
    };
    let ui = match *m.get("UI")? {
        "N" => 0.85,
        "R" => 0.62,
        _ => return None,
    };
    let cia = |k: &str| -> Option<f64> {
        match *m.get(k)? {
            "H" => Some(0.56),
            "L" => Some(0.22),
            "N" => Some(0.0),
            _ => None,
        }
    };
    let (c, i, a) = (cia("C")?, cia("I")?, cia("A")?);
    let iss = 1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a);
    let impact = if changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02f64).powi(15)
    } else {
        6.42 * iss
    };
    let exploitability = 8.22 * av * ac * pr * ui;
    let score = if impact <= 0.0 {
        0.0
    } else if changed {
        round_up((1.08 * (impact + exploitability)).min(10.0))
    } else {
        round_up((impact + exploitability).min(10.0))
    };
    Some(Rating {
        score,
        severity: severity(score),
        version: (3, minor),
    })
}

/// A CVSS 4.0 vector's score, by the `cvss` crate. Its scoring unwraps the
/// base metrics its parser has checked are there; a panic in it would be
/// its bug, and gives no score rather than ending the run.
fn v4_score(vector: &str) -> Option<Rating> {
    let parsed: cvss::v4::Vector = vector.parse().ok()?;
    let score = std::panic::catch_unwind(|| parsed.score().value()).ok()?;
    if !(0.0..=10.0).contains(&score) {
        return None;
    }
    Some(Rating {
        score,
        severity: severity(score),
        version: (4, 0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scores as NVD publishes them for these vectors.
    #[test]
    fn base_scores_match_published_ones() {
        for (vector, score, sev) in [
            (
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                9.8,
                "critical",
            ),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5, "high"),
            (
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
                6.1,
                "medium",
            ),
            (
                "CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N",
                5.5,
                "medium",
            ),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N", 3.7, "low"),
            (
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
                10.0,
                "critical",
            ),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0, "none"),
        ] {
            let r = base_score(vector).expect(vector);
            assert!(
                (r.score - score).abs() < 1e-9,
                "{vector}: {} != {score}",
                r.score
            );
            assert_eq!(r.severity, sev, "{vector}");
        }
    }

    /// CVSS 4.0 scores as the Python `cvss` package 3.4 (an independent
    /// implementation) computes them; the last vector carries a threat
    /// metric (CVSS-BT). tests/lib/advisories.rs compares every vector of
    /// the RustSec snapshot with that package at test time.
    #[test]
    fn v4_scores_match_an_independent_implementation() {
        for (vector, score, sev) in [
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                9.3,
                "critical",
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
                10.0,
                "critical",
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
                0.0,
                "none",
            ),
            (
                "CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N",
                1.0,
                "low",
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U",
                8.1,
                "high",
            ),
        ] {
            let r = base_score(vector).expect(vector);
            assert!((r.score - score).abs() < 1e-9, "{vector}: {}", r.score);
            assert_eq!((r.severity, r.version), (sev, (4, 0)), "{vector}");
        }
    }

    #[test]
    fn other_versions_and_broken_vectors_have_no_score() {
        assert!(base_score("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P").is_none());
        assert!(base_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H").is_none());
        assert!(
            base_score("CVSS:4.0/AV:N/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
                .is_none()
        );
        assert!(
            base_score("CVSS:4.0/AV:Q/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").is_none()
        );
        assert!(base_score("CVSS:3.1/AV:N/AC:L").is_none());
        assert!(base_score("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").is_none());
        assert!(base_score("CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").is_none());
    }
}
