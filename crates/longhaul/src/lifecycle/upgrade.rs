//! The upgrade path from an old release to a newer line: control-plane hops
//! one minor at a time, each on a patched release where one exists; the
//! fewest node (kubelet) upgrades the skew policy allows; the API removals met
//! on the way and the objects of the user's manifests they break; and the CVE
//! exposure of every stop.

use super::dates::Dates;
use super::removals::{self, Object, Removal};
use super::skew::Skew;
use crate::release::line::{Minor, lines};
use crate::release::manifest::{Manifest, version_of};
use crate::security::advisory::Advisory;
use crate::security::advisory::range::parse_version;
use crate::security::coverage::{self, Coverage, Status};
use serde::Serialize;

/// Where a stop's build comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// An LTS release of the manifest.
    Lts,
    /// An upstream patch version (the line is not maintained by the manifest).
    Upstream,
}

/// A CVE still open at a stop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenCve {
    /// The CVE id.
    pub id: String,
    /// `affected`, `not_assessed` or `under_investigation`.
    pub status: Status,
    /// CVSS base score.
    pub score: Option<f64>,
    /// CVSS severity (`high`).
    pub severity: Option<String>,
}

/// One stop: a line and the build to run on it.
#[derive(Debug, Clone, Serialize)]
pub struct Stop {
    /// The line.
    pub line: Minor,
    /// The upstream version (`1.19.16`).
    pub version: String,
    /// The LTS release, when the stop uses one.
    pub release: Option<String>,
    /// LTS release or plain upstream version.
    pub source: Source,
    /// `false` when the version is only the newest known upstream patch.
    pub version_final: bool,
    /// CVEs still open there, highest score first.
    pub open: Vec<OpenCve>,
    /// Why `open` is not known (no advisories), if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposure_unknown: Option<String>,
}

impl Stop {
    /// The release name, else the upstream version.
    pub fn name(&self) -> String {
        self.release
            .clone()
            .unwrap_or_else(|| format!("v{}", self.version))
    }

    /// The open CVE with the highest score.
    pub fn worst(&self) -> Option<&OpenCve> {
        self.open.first()
    }
}

/// One control-plane hop: to the next minor, and what that minor removes.
#[derive(Debug, Clone, Serialize)]
pub struct Hop {
    /// The stop the control plane moves to.
    pub stop: Stop,
    /// API versions this minor stops serving.
    pub removals: Vec<Removal>,
}

/// One node upgrade: kubelets (and kube-proxy) move to the control plane's
/// minor while it is at `control_plane`.
#[derive(Debug, Clone, Serialize)]
pub struct NodeStep {
    /// The minor the control plane is at during the node upgrade.
    pub control_plane: Minor,
    /// The minor the nodes leave.
    pub from: Minor,
    /// The stop the nodes move to.
    pub stop: Stop,
    /// Why now: the skew rule the next control-plane hop would break, or
    /// that the target is reached.
    pub reason: String,
}

/// An object of the user's manifests that a removal breaks.
#[derive(Debug, Clone, Serialize)]
pub struct Breakage {
    /// The object.
    pub object: Object,
    /// The minor that stops serving its API version.
    pub breaks_at: Minor,
    /// `true` when that minor is not after FROM: it no longer works today.
    pub already: bool,
    /// The API version to use instead (or what to do).
    pub replacement: String,
}

/// The worst CVE met on the way.
#[derive(Debug, Clone, Serialize)]
pub struct Worst {
    /// The stop (release or version).
    pub stop: String,
    /// The CVE.
    pub cve: OpenCve,
}

/// Figures for the whole plan.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Control-plane stops after FROM.
    pub control_plane_stops: usize,
    /// Node upgrades.
    pub node_stops: usize,
    /// The highest-scored open CVE at any stop after FROM.
    pub worst_exposure: Option<Worst>,
    /// Stops after FROM whose exposure is unknown.
    pub stops_with_unknown_exposure: usize,
    /// The first control-plane stop at which an object of `--manifests` stops
    /// working.
    pub first_breaking_stop: Option<Minor>,
    /// Objects read from `--manifests`.
    pub objects_scanned: usize,
    /// Advisories the exposure was judged against ("no open CVE" means none
    /// of these).
    pub advisories: usize,
}

/// An upgrade plan.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Where the cluster is.
    pub from: Stop,
    /// The target line.
    pub to: Minor,
    /// Control-plane hops, one minor each.
    pub control_plane: Vec<Hop>,
    /// Node upgrades, in order.
    pub nodes: Vec<NodeStep>,
    /// Objects of `--manifests` that a minor on the way (or already FROM)
    /// does not serve.
    pub breakages: Vec<Breakage>,
    /// The skew rules the plan relies on, as sentences.
    pub rules: Vec<String>,
    /// Figures.
    pub summary: Summary,
}

/// Everything a plan is made from.
pub struct Inputs<'a> {
    /// The (published) manifest.
    pub manifest: &'a Manifest,
    /// Upstream dates and last patches.
    pub dates: &'a Dates,
    /// The skew policy.
    pub skew: &'a Skew,
    /// The API removals.
    pub removals: &'a [Removal],
    /// Advisories (for stops on plain upstream versions).
    pub advisories: &'a [Advisory],
    /// The coverage matrix of the shipped releases; `None` without advisories.
    pub coverage: Option<&'a Coverage>,
    /// The objects of `--manifests`.
    pub objects: &'a [Object],
}

/// Plan the path from `from` (a release of the manifest, a version such as
/// `1.18.20`, or a line) to `to` (a line such as `1.28`, or a version). The
/// error says what was wrong with the input.
pub fn plan(inputs: &Inputs, from: &str, to: &str) -> Result<Plan, String> {
    let from_stop = resolve_from(inputs, from)?;
    let (to_line, to_version) = parse_target(to)?;
    if to_line <= from_stop.line {
        return Err(format!(
            "--to {to} is not newer than {from} (line {}): upgrades go to a newer minor; a patch upgrade within a line needs no plan",
            from_stop.line
        ));
    }
    if to_line.major != from_stop.line.major {
        return Err(format!(
            "--to {to}: cannot cross major versions ({} to {})",
            from_stop.line.major, to_line.major
        ));
    }
    let mut hops = Vec::new();
    let mut minor = from_stop.line;
    while minor < to_line {
        let previous = minor;
        minor = minor.plus(1);
        let exact = if minor == to_line {
            to_version.as_deref()
        } else {
            None
        };
        let stop = stop_for(inputs, minor, exact).map_err(|e| {
            format!(
                "--to {to}: the way from {} passes {minor}, and {e}",
                from_stop.line
            )
        })?;
        let removed = removals::between(inputs.removals, previous, minor)
            .into_iter()
            .cloned()
            .collect();
        hops.push(Hop {
            stop,
            removals: removed,
        });
    }
    let nodes = node_steps(inputs.skew, &from_stop, &hops);
    let breakages: Vec<Breakage> = inputs
        .objects
        .iter()
        .filter_map(|o| {
            let r = removals::find(inputs.removals, &o.api_version, &o.kind)?;
            (r.removed_in <= to_line).then(|| Breakage {
                object: o.clone(),
                breaks_at: r.removed_in,
                already: r.removed_in <= from_stop.line,
                replacement: r.instead(),
            })
        })
        .collect();
    let after: Vec<&Stop> = hops
        .iter()
        .map(|h| &h.stop)
        .chain(nodes.iter().map(|n| &n.stop))
        .collect();
    let worst = after
        .iter()
        .filter_map(|s| s.worst().map(|c| (s, c)))
        .max_by(|a, b| {
            a.1.score
                .unwrap_or(-1.0)
                .total_cmp(&b.1.score.unwrap_or(-1.0))
                .then_with(|| b.0.line.cmp(&a.0.line))
        })
        .map(|(s, c)| Worst {
            stop: s.name(),
            cve: c.clone(),
        });
    let mut rules: Vec<String> = vec![
        "kube-apiserver goes one minor at a time (in an HA control plane, instances may differ by one minor)".into(),
    ];
    for c in ["kube-controller-manager", "kube-scheduler"] {
        if let Some(r) = inputs.skew.rule(c, to_line, to_line) {
            rules.push(format!(
                "{}; upgraded right after kube-apiserver at every stop",
                r.describe()
            ));
        }
    }
    for n in &nodes {
        if !rules.contains(&n.reason) && !n.reason.starts_with("the target") {
            rules.push(n.reason.clone());
        }
    }
    let summary = Summary {
        control_plane_stops: hops.len(),
        node_stops: nodes.len(),
        worst_exposure: worst,
        stops_with_unknown_exposure: after
            .iter()
            .filter(|s| s.exposure_unknown.is_some())
            .count(),
        first_breaking_stop: breakages
            .iter()
            .filter(|b| !b.already)
            .map(|b| b.breaks_at)
            .min(),
        objects_scanned: inputs.objects.len(),
        advisories: inputs.advisories.len(),
    };
    Ok(Plan {
        from: from_stop,
        to: to_line,
        control_plane: hops,
        nodes,
        breakages,
        rules,
        summary,
    })
}

/// The fewest node upgrades: nodes stay until the next control-plane hop
/// would leave them outside the kubelet's skew, then move to the control
/// plane's minor (the highest they may run); finally to the target. Waiting
/// as long as allowed and then going as high as allowed is optimal because
/// the allowed lag never shrinks as versions grow.
fn node_steps(skew: &Skew, from: &Stop, hops: &[Hop]) -> Vec<NodeStep> {
    let mut steps = Vec::new();
    let mut kubelet = from.line;
    let mut current = from;
    for hop in hops {
        let next = hop.stop.line;
        if !skew.allows("kubelet", next, kubelet) {
            let rule = skew
                .rule("kubelet", next, kubelet)
                .map(|r| r.describe())
                .unwrap_or_else(|| "the kubelet's skew".into());
            steps.push(NodeStep {
                control_plane: current.line,
                from: kubelet,
                stop: current.clone(),
                reason: format!("before the control plane moves to {next}: {rule}"),
            });
            kubelet = current.line;
        }
        current = &hop.stop;
    }
    if kubelet != current.line {
        steps.push(NodeStep {
            control_plane: current.line,
            from: kubelet,
            stop: current.clone(),
            reason: "the target: nodes end on the control plane's minor".into(),
        });
    }
    steps
}

fn parse_target(to: &str) -> Result<(Minor, Option<String>), String> {
    if let Some(m) = Minor::parse_line(to) {
        return Ok((m, None));
    }
    match version_of(to).filter(|v| parse_version(v).is_some()) {
        Some(v) if to.trim().trim_start_matches('v') == v => {
            Ok((Minor::parse(&v).expect("a version has a minor"), Some(v)))
        }
        _ => Err(format!(
            "--to `{to}`: expected a line such as 1.28 or a version such as 1.28.15"
        )),
    }
}

/// The stop FROM names: a release of the manifest, a version, or a line.
fn resolve_from(inputs: &Inputs, from: &str) -> Result<Stop, String> {
    let m = inputs.manifest;
    if let Ok(r) = m.release(from) {
        let base = m.base_tag(&r.name).map_err(|e| e.to_string())?;
        let version = version_of(&base)
            .ok_or_else(|| format!("{from}: its base `{base}` is not a version"))?;
        let line = Minor::parse(&version).expect("a version has a minor");
        return Ok(lts_stop(inputs, line, &r.name, version));
    }
    if let Some(line) = Minor::parse_line(from) {
        return stop_for(inputs, line, None);
    }
    match version_of(from).filter(|v| from.trim().trim_start_matches('v') == v) {
        Some(v) => {
            let line = Minor::parse(&v).expect("a version has a minor");
            check_exists(inputs, line, &v)?;
            Ok(upstream_stop(inputs, line, v, true))
        }
        None => Err(format!(
            "`{from}` is neither a release of {} nor a version such as 1.18.20 or a line such as 1.18",
            m.path.display()
        )),
    }
}

/// A version is known when its line has dates and it is not past the line's
/// final patch (or the manifest has a release built on it).
fn check_exists(inputs: &Inputs, line: Minor, version: &str) -> Result<(), String> {
    let built_on = inputs.manifest.releases.iter().any(|r| {
        inputs
            .manifest
            .base_tag(&r.name)
            .ok()
            .and_then(|t| version_of(&t))
            .as_deref()
            == Some(version)
    });
    if built_on {
        return Ok(());
    }
    let Some(d) = inputs.dates.lines.get(&line) else {
        return Err(format!(
            "no Kubernetes {line} is known (no release of the manifest and no upstream dates for it)"
        ));
    };
    let (Some(v), Some(last)) = (
        parse_version(version),
        d.last_patch.as_deref().and_then(parse_version),
    ) else {
        return Ok(());
    };
    if v > last && d.last_patch_final {
        return Err(format!(
            "Kubernetes {version} does not exist: the last {line} patch is {}",
            d.last_patch.as_deref().unwrap_or("?")
        ));
    }
    Ok(())
}

/// The stop on `line`: its newest LTS release when the manifest maintains the
/// line (and, with `exact`, when that release is built on it), else the
/// upstream version (`exact`, or the line's last patch).
fn stop_for(inputs: &Inputs, line: Minor, exact: Option<&str>) -> Result<Stop, String> {
    let m = inputs.manifest;
    let maintained = lines(m)
        .into_iter()
        .find(|l| l.minor == line && l.releases.iter().any(|r| r.must));
    if let Some(l) = maintained {
        let newest = l.newest();
        let base = m.base_tag(&newest.name).map_err(|e| e.to_string())?;
        let version = version_of(&base)
            .ok_or_else(|| format!("{}: its base `{base}` is not a version", newest.name))?;
        if exact.is_none_or(|e| e == version) {
            return Ok(lts_stop(inputs, line, &newest.name, version));
        }
    }
    if let Some(v) = exact {
        check_exists(inputs, line, v)?;
        return Ok(upstream_stop(inputs, line, v.to_string(), true));
    }
    match inputs
        .dates
        .lines
        .get(&line)
        .and_then(|d| d.last_patch.clone().map(|p| (p, d.last_patch_final)))
    {
        Some((patch, last_final)) => Ok(upstream_stop(inputs, line, patch, last_final)),
        None => Err(format!(
            "no stop for {line}: the manifest maintains no release of it and there are no upstream dates for it (add them under `lifecycle: lines:`)"
        )),
    }
}

fn lts_stop(inputs: &Inputs, line: Minor, release: &str, version: String) -> Stop {
    let (open, unknown) = match inputs.coverage {
        None => (Vec::new(), Some("no advisories".to_string())),
        Some(cov) if !cov.releases.iter().any(|r| r == release) => (
            Vec::new(),
            Some(format!("{release} is not in the coverage matrix")),
        ),
        Some(cov) => {
            let open = cov
                .cves
                .iter()
                .filter(|row| row.in_scope)
                .filter_map(|row| {
                    let cell = cov.cell(&row.id, release)?;
                    is_open(cell.status).then(|| OpenCve {
                        id: row.id.clone(),
                        status: cell.status,
                        score: row.cvss.as_ref().map(|c| c.score),
                        severity: row.cvss.as_ref().map(|c| c.severity.clone()),
                    })
                })
                .collect();
            (open, None)
        }
    };
    finish(Stop {
        line,
        version,
        release: Some(release.to_string()),
        source: Source::Lts,
        version_final: true,
        open,
        exposure_unknown: unknown,
    })
}

fn upstream_stop(inputs: &Inputs, line: Minor, version: String, version_final: bool) -> Stop {
    let scope = coverage::scope_of(inputs.manifest);
    let parsed = parse_version(&version);
    let (open, unknown) = if inputs.advisories.is_empty() {
        (Vec::new(), Some("no advisories".to_string()))
    } else {
        let open = inputs
            .advisories
            .iter()
            .filter(|a| coverage::in_scope(a, &scope))
            .filter_map(|a| {
                let published = coverage::published(a, &scope, parsed.as_ref());
                let (status, _, _) = coverage::decide(true, None, None, &published);
                let cvss = a.cvss();
                is_open(status).then(|| OpenCve {
                    id: a.cve().to_string(),
                    status,
                    score: cvss.as_ref().map(|c| c.score),
                    severity: cvss.map(|c| c.severity),
                })
            })
            .collect();
        (open, None)
    };
    finish(Stop {
        line,
        version,
        release: None,
        source: Source::Upstream,
        version_final,
        open,
        exposure_unknown: unknown,
    })
}

fn is_open(status: Status) -> bool {
    matches!(
        status,
        Status::Affected | Status::NotAssessed | Status::UnderInvestigation
    )
}

/// Open CVEs highest score first (unscored last), then by id.
fn finish(mut stop: Stop) -> Stop {
    stop.open.sort_by(|a, b| {
        b.score
            .unwrap_or(-1.0)
            .total_cmp(&a.score.unwrap_or(-1.0))
            .then_with(|| a.id.cmp(&b.id))
    });
    stop
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn m(minor: u32) -> Minor {
        Minor { major: 1, minor }
    }

    fn manifest() -> Manifest {
        let text = "releases:\n  - {name: v1.18.20-lts.3, base_release: v1.18.20, must: true}\n  - {name: v1.20.15-lts.1, base_release: v1.20.15, must: true}\n  - {name: v1.21.14-lts.1, base_release: v1.21.14}\n";
        Manifest::parse(text, Path::new("releases.yml")).unwrap()
    }

    fn plan_for(from: &str, to: &str, objects: &[Object]) -> Result<Plan, String> {
        let (manifest, dates, skew, removals) = (
            manifest(),
            Dates::built_in(),
            Skew::built_in(),
            removals::built_in(),
        );
        plan(
            &Inputs {
                manifest: &manifest,
                dates: &dates,
                skew: &skew,
                removals: &removals,
                advisories: &[],
                coverage: None,
                objects,
            },
            from,
            to,
        )
    }

    #[test]
    fn hops_use_lts_releases_where_maintained_and_upstream_elsewhere() {
        let p = plan_for("v1.18.20-lts.3", "1.28", &[]).unwrap();
        let stops: Vec<String> = p.control_plane.iter().map(|h| h.stop.name()).collect();
        assert_eq!(stops.len(), 10);
        assert_eq!(
            stops[0], "v1.19.16",
            "1.19: not in this manifest, upstream's last patch"
        );
        assert_eq!(stops[1], "v1.20.15-lts.1");
        assert_eq!(stops[2], "v1.21.14", "1.21's release is not maintained");
        assert_eq!(stops[9], "v1.28.15");
        let removed_at = |minor: u32| -> Vec<String> {
            p.control_plane
                .iter()
                .find(|h| h.stop.line == m(minor))
                .unwrap()
                .removals
                .iter()
                .map(|r| format!("{} {}", r.api_version(), r.kind))
                .collect()
        };
        assert!(removed_at(22).contains(&"networking.k8s.io/v1beta1 Ingress".to_string()));
        assert!(removed_at(25).contains(&"policy/v1beta1 PodSecurityPolicy".to_string()));
        assert!(removed_at(23).is_empty());
        assert!(
            p.from.exposure_unknown.is_some(),
            "no advisories: exposure unknown, never empty-and-safe"
        );
        assert_eq!(p.summary.stops_with_unknown_exposure, 10 + 5);
    }

    /// Nodes wait until the kubelet's skew would break: two minors before
    /// 1.28, three from 1.28 for kubelets 1.25+.
    #[test]
    fn node_upgrades_are_the_fewest_the_skew_allows() {
        let p = plan_for("1.18.20", "1.28", &[]).unwrap();
        let nodes: Vec<(u32, u32)> = p
            .nodes
            .iter()
            .map(|n| (n.from.minor, n.stop.line.minor))
            .collect();
        assert_eq!(nodes, [(18, 20), (20, 22), (22, 24), (24, 26), (26, 28)]);
        assert!(
            p.nodes[3].reason.contains(
                "before the control plane moves to 1.27: kubelet may be up to 2 minors older"
            ),
            "{}",
            p.nodes[3].reason
        );
        assert!(p.nodes[4].reason.starts_with("the target"));
        // From 1.25, the 1.28 rule lets nodes skip: 1.25 kubelets run under 1.28.
        let p = plan_for("1.25.16", "1.28", &[]).unwrap();
        let nodes: Vec<(u32, u32)> = p
            .nodes
            .iter()
            .map(|n| (n.from.minor, n.stop.line.minor))
            .collect();
        assert_eq!(
            nodes,
            [(25, 28)],
            "no upgrade before 1.28: three minors allowed there"
        );
        // From 1.24 the same distance needs one more.
        let p = plan_for("1.24.17", "1.27", &[]).unwrap();
        let nodes: Vec<(u32, u32)> = p
            .nodes
            .iter()
            .map(|n| (n.from.minor, n.stop.line.minor))
            .collect();
        assert_eq!(nodes, [(24, 26), (26, 27)]);
        // Every moment of the plan is inside the skew.
        for (from, to) in [
            ("1.18.20", "1.32"),
            ("1.10.13", "1.34"),
            ("1.24.17", "1.29"),
        ] {
            let p = plan_for(from, to, &[]).unwrap();
            let skew = Skew::built_in();
            let mut kubelet = p.from.line;
            let mut steps = p.nodes.iter().peekable();
            let mut cp = p.from.line;
            for h in &p.control_plane {
                while let Some(n) = steps.peek().filter(|n| n.control_plane == cp) {
                    kubelet = n.stop.line;
                    steps.next();
                }
                cp = h.stop.line;
                assert!(
                    skew.allows("kubelet", cp, kubelet),
                    "{from}->{to}: kubelet {kubelet} under {cp}"
                );
            }
        }
    }

    #[test]
    fn objects_break_at_their_removal() {
        let obj = |line, api: &str, kind: &str| Object {
            file: "app.yaml".into(),
            line,
            api_version: api.into(),
            kind: kind.into(),
            name: Some("x".into()),
            namespace: None,
        };
        let objects = [
            obj(1, "extensions/v1beta1", "Deployment"),
            obj(9, "networking.k8s.io/v1beta1", "Ingress"),
            obj(20, "batch/v1beta1", "CronJob"),
            obj(30, "v1", "Service"),
        ];
        let p = plan_for("v1.18.20-lts.3", "1.28", &objects).unwrap();
        let shown: Vec<(usize, String, bool, &str)> = p
            .breakages
            .iter()
            .map(|b| {
                (
                    b.object.line,
                    b.breaks_at.to_string(),
                    b.already,
                    b.replacement.as_str(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                (1, "1.16".into(), true, "apps/v1"),
                (9, "1.22".into(), false, "networking.k8s.io/v1"),
                (20, "1.25".into(), false, "batch/v1"),
            ]
        );
        assert_eq!(p.summary.first_breaking_stop, Some(m(22)));
    }

    #[test]
    fn bad_input_says_what_was_expected() {
        for (from, to, want) in [
            ("v1.18.20-lts.3", "1.17", "is not newer than"),
            ("v1.18.20-lts.3", "1.18", "is not newer than"),
            (
                "1.18.99",
                "1.20",
                "does not exist: the last 1.18 patch is 1.18.20",
            ),
            ("1.99.1", "1.100", "no Kubernetes 1.99 is known"),
            ("banana", "1.20", "neither a release"),
            ("1.18.20", "soon", "expected a line such as 1.28"),
            (
                "1.18.20",
                "1.40",
                "--to 1.40: the way from 1.18 passes 1.35, and no stop for 1.35",
            ),
        ] {
            let e = plan_for(from, to, &[]).unwrap_err();
            assert!(e.contains(want), "{from} -> {to}: {e}");
        }
    }
}
