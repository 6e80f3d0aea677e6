//! What to watch: checks from flags or TOML, validated up front so a typo
//! fails in the first second, not after thirty minutes.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context as _, bail};
use gate_runtime::Env;
use gate_runtime::duration;
use gate_runtime::redact;
use gate_runtime::runner::inputs::split_lines;
use regex::Regex;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;

use crate::cli::{Cli, NoData};

/// `--max-body-bytes`: a health page is small, and a body is read only to
/// match `--body-regex`.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 1024 * 1024;
/// `--max-prometheus-bytes`: room for tens of thousands of series.
pub const DEFAULT_MAX_PROMETHEUS_BYTES: u64 = 32 * 1024 * 1024;
/// The largest checks file read: about 30,000 checks.
pub const MAX_CHECKS_FILE_BYTES: u64 = 1024 * 1024;

/// A cap on the bytes read from one answer, and the flag that sets it, so
/// an answer over it can say which one to raise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadCap {
    pub bytes: u64,
    pub flag: &'static str,
}

impl ReadCap {
    /// `--max-body-bytes 1048576 (1 MiB)`.
    pub fn describe(&self) -> String {
        format!("{} {} ({})", self.flag, self.bytes, human_bytes(self.bytes))
    }
}

/// Bytes for people: `1 MiB`, `32 MiB`, `1.5 KiB`, `300 bytes`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if n >= size {
            let v = n as f64 / size as f64;
            return if n % size == 0 {
                format!("{} {unit}", n / size)
            } else {
                format!("{v:.1} {unit}")
            };
        }
    }
    format!("{n} bytes")
}

/// The comparison in a Prometheus condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }

    /// Whether `value OP threshold` holds (NaN holds only for `!=`; the
    /// caller treats NaN as no data before asking).
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Op::Lt => value < threshold,
            Op::Le => value <= threshold,
            Op::Gt => value > threshold,
            Op::Ge => value >= threshold,
            Op::Eq => value == threshold,
            Op::Ne => value != threshold,
        }
    }
}

/// `EXPR OP NUMBER`: the query and the condition every series must meet.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub expr: String,
    pub op: Op,
    pub threshold: f64,
}

impl Condition {
    /// Splits off the trailing comparison. The expression may itself hold
    /// comparisons (`rate(x[5m]) > 0`); the last one, against a plain
    /// number, is the condition.
    pub fn parse(s: &str, what: &str) -> anyhow::Result<Self> {
        // Lazy expression, so the operator is the first one after which only
        // a number follows.
        let re = Regex::new(
            r"(?s)^(.+?)\s*(<=|>=|==|!=|<|>)\s*([-+]?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|inf))\s*$",
        )?;
        let caps = re.captures(s.trim()).with_context(|| {
            format!("{what} {s:?}: end the query with a condition, e.g. `sum(rate(errors_total[5m])) < 0.01` (one of < <= > >= == !=, then a number)")
        })?;
        let op = match &caps[2] {
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "==" => Op::Eq,
            _ => Op::Ne,
        };
        let threshold = parse_prom_number(&caps[3])
            .with_context(|| format!("{what} {s:?}: {} is not a number", &caps[3]))?;
        Ok(Self {
            expr: caps[1].trim().to_owned(),
            op,
            threshold,
        })
    }
}

/// A Prometheus sample value: a float, or `NaN`, `+Inf`, `-Inf`.
pub fn parse_prom_number(s: &str) -> Option<f64> {
    match s.trim() {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" | "inf" | "+inf" => Some(f64::INFINITY),
        "-Inf" | "-inf" => Some(f64::NEG_INFINITY),
        t => t.parse().ok(),
    }
}

/// Accepted HTTP statuses: a list of ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusSpec {
    pub text: String,
    ranges: Vec<(u16, u16)>,
}

impl StatusSpec {
    /// `2xx`, `200`, `200,204`, `200-299`, or a mix.
    pub fn parse(s: &str, what: &str) -> anyhow::Result<Self> {
        let bad = || format!("{what} {s:?}: give statuses such as 2xx, 200, 200,204 or 200-299");
        let mut ranges = Vec::new();
        for part in s.split(',').map(str::trim) {
            let range = if let Some(d) = part.strip_suffix("xx").or(part.strip_suffix("XX")) {
                let d: u16 = d
                    .parse()
                    .ok()
                    .filter(|d| (1..=5).contains(d))
                    .with_context(bad)?;
                (d * 100, d * 100 + 99)
            } else if let Some((a, b)) = part.split_once('-') {
                let a: u16 = a.trim().parse().ok().with_context(bad)?;
                let b: u16 = b.trim().parse().ok().with_context(bad)?;
                (a, b)
            } else {
                let n: u16 = part.parse().ok().with_context(bad)?;
                (n, n)
            };
            if !(100..=599).contains(&range.0)
                || !(100..=599).contains(&range.1)
                || range.0 > range.1
            {
                bail!(bad());
            }
            ranges.push(range);
        }
        Ok(Self {
            text: s.trim().to_owned(),
            ranges,
        })
    }

    pub fn accepts(&self, status: u16) -> bool {
        self.ranges.iter().any(|(a, b)| (*a..=*b).contains(&status))
    }
}

/// An HTTP check.
#[derive(Debug, Clone)]
pub struct HttpCheck {
    pub url: reqwest::Url,
    pub expect: StatusSpec,
    pub max_latency: Option<Duration>,
    pub body_regex: Option<Regex>,
    pub headers: HeaderMap,
    /// The most of the body read for `body_regex`.
    pub max_body: ReadCap,
}

/// A Prometheus instant query with its condition.
#[derive(Debug, Clone)]
pub struct PromCheck {
    pub base_url: reqwest::Url,
    pub condition: Condition,
    pub no_data: NoData,
    pub headers: HeaderMap,
    /// The most of an answer read.
    pub max_answer: ReadCap,
}

#[derive(Debug, Clone)]
pub enum Probe {
    Http(HttpCheck),
    Prometheus(PromCheck),
}

/// One check, as the watch runs it.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    pub probe: Probe,
    pub timeout: Duration,
    pub observe_only: bool,
    pub failure_threshold: u32,
    pub error_threshold: u32,
}

impl Check {
    /// The header values this check sends, read from the environment:
    /// secrets, never to be printed.
    pub fn secret_values(&self) -> impl Iterator<Item = &str> {
        let headers = match &self.probe {
            Probe::Http(h) => &h.headers,
            Probe::Prometheus(p) => &p.headers,
        };
        headers.values().filter_map(|v| v.to_str().ok())
    }

    pub fn kind(&self) -> &'static str {
        match self.probe {
            Probe::Http(_) => "http",
            Probe::Prometheus(_) => "prometheus",
        }
    }

    /// The line a chart draws the values against: the condition's number,
    /// or the latency limit in milliseconds.
    pub fn threshold(&self) -> Option<f64> {
        match &self.probe {
            Probe::Http(h) => h.max_latency.map(|d| d.as_secs_f64() * 1000.0),
            Probe::Prometheus(p) => Some(p.condition.threshold),
        }
    }

    /// What the threshold means, for reports.
    pub fn condition_text(&self) -> String {
        match &self.probe {
            Probe::Http(h) => {
                let mut t = format!("status {}", h.expect.text);
                if let Some(d) = h.max_latency {
                    t.push_str(&format!(", latency <= {}ms", d.as_millis()));
                }
                if let Some(r) = &h.body_regex {
                    t.push_str(&format!(", body matches /{}/", r.as_str()));
                }
                t
            }
            Probe::Prometheus(p) => format!(
                "{} {} {}",
                p.condition.expr,
                p.condition.op.as_str(),
                p.condition.threshold
            ),
        }
    }
}

/// Headers `NAME=ENV_VAR`, their values read from the environment.
fn headers(specs: &[(String, String)], env: &Env, what: &str) -> anyhow::Result<HeaderMap> {
    let mut map = HeaderMap::new();
    for (name, var) in specs {
        let header = HeaderName::from_bytes(name.trim().as_bytes())
            .with_context(|| format!("{what} {name}={var}: {name:?} is not a header name"))?;
        let value = env.get(var.trim()).with_context(|| {
            format!("{what} {name}={var}: the environment variable {var} is not set; set it (e.g. from a secret) or drop the header")
        })?;
        let mut value = HeaderValue::from_str(value).ok().with_context(|| {
            format!("{what} {name}={var}: the value of {var} cannot be sent in a header (control characters?)")
        })?;
        value.set_sensitive(true);
        map.insert(header, value);
    }
    Ok(map)
}

fn header_specs(values: &[String], what: &str) -> anyhow::Result<Vec<(String, String)>> {
    split_lines(values)
        .into_iter()
        .map(|l| {
            l.split_once('=')
                .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
                .filter(|(n, v)| !n.is_empty() && !v.is_empty())
                .with_context(|| {
                    format!("{what} {l:?}: write NAME=ENV_VAR, e.g. Authorization=HEALTH_TOKEN")
                })
        })
        .collect()
}

fn url(s: &str, what: &str) -> anyhow::Result<reqwest::Url> {
    let u = reqwest::Url::parse(s.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .with_context(|| {
            format!(
                "{what} {:?}: give an http:// or https:// URL",
                redact::url(s)
            )
        })?;
    Ok(u)
}

/// A URL as a check's name: without a user, password, query or fragment,
/// which may hold secrets.
fn shown(u: &reqwest::Url) -> String {
    let mut u = u.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

/// The longest range selector (`[5m]`, `[1h30m]`) in a PromQL expression:
/// until that much time has passed since the deploy, the query still
/// averages in traffic from before it.
pub fn longest_range(expr: &str) -> Option<Duration> {
    let re = Regex::new(r"\[([0-9]+[smhdwy][0-9smhdwy]*)(?::[0-9smhdwy]*)?\]").ok()?;
    re.captures_iter(expr)
        .filter_map(|c| prom_duration(&c[1]))
        .max()
}

/// A PromQL duration: `5m`, `1h30m`, `90s`, `2d`.
fn prom_duration(s: &str) -> Option<Duration> {
    let re = Regex::new(r"([0-9]+)(ms|s|m|h|d|w|y)").ok()?;
    let mut total = Duration::ZERO;
    let mut consumed = 0;
    for c in re.captures_iter(s) {
        let n: u64 = c[1].parse().ok()?;
        let unit = match &c[2] {
            "ms" => Duration::from_millis(1),
            "s" => Duration::from_secs(1),
            "m" => Duration::from_secs(60),
            "h" => Duration::from_secs(3600),
            "d" => Duration::from_secs(86_400),
            "w" => Duration::from_secs(7 * 86_400),
            _ => Duration::from_secs(365 * 86_400),
        };
        total = total.checked_add(unit.checked_mul(u32::try_from(n).ok()?)?)?;
        consumed += c[0].len();
    }
    (consumed == s.len()).then_some(total)
}

/// Queries whose range reaches back before the deploy at the first tick:
/// for a while they still average in the old version's traffic.
pub fn lookback_notes(checks: &[Check], initial_delay: Duration) -> Vec<String> {
    checks
        .iter()
        .filter_map(|c| match &c.probe {
            Probe::Prometheus(p) => {
                let range = longest_range(&p.condition.expr)?;
                (range > initial_delay).then(|| {
                    format!(
                        "{}: its {}s range reaches back before the deploy for the first {}s of the watch, so traffic from before the deploy still counts then; set --initial-delay to the range to start clean",
                        c.name,
                        range.as_secs(),
                        range.saturating_sub(initial_delay).as_secs()
                    )
                })
            }
            Probe::Http(_) => None,
        })
        .collect()
}

/// One `[[check]]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Entry {
    name: Option<String>,
    url: Option<String>,
    expect_status: Option<String>,
    max_latency: Option<String>,
    body_regex: Option<String>,
    query: Option<String>,
    prometheus: Option<String>,
    no_data: Option<NoData>,
    timeout: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    observe_only: bool,
    failure_threshold: Option<u32>,
    error_threshold: Option<u32>,
    max_body_bytes: Option<u64>,
    max_prometheus_bytes: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChecksFile {
    #[serde(default)]
    check: Vec<Entry>,
}

/// Every check the command line and the checks file ask for.
pub fn from_cli(cli: &Cli, env: &Env) -> anyhow::Result<Vec<Check>> {
    let timeout = duration::parse(&cli.timeout, "--timeout")?;
    if timeout.is_zero() {
        bail!("--timeout 0: give each request some time, e.g. 10s");
    }
    let observe: Vec<String> = split_lines(&cli.observe_only);
    let mut checks = Vec::new();
    let url_headers = headers(&header_specs(&cli.header, "--header")?, env, "--header")?;
    let expect = StatusSpec::parse(&cli.expect_status, "--expect-status")?;
    let max_latency = cli
        .max_latency
        .as_deref()
        .map(|s| duration::parse(s, "--max-latency"))
        .transpose()?;
    let body_regex = cli
        .body_regex
        .as_deref()
        .map(|s| Regex::new(s).with_context(|| format!("--body-regex {s:?}: not a valid regex")))
        .transpose()?;
    let max_body = ReadCap {
        bytes: cli.max_body_bytes,
        flag: "--max-body-bytes",
    };
    let max_answer = ReadCap {
        bytes: cli.max_prometheus_bytes,
        flag: "--max-prometheus-bytes",
    };
    if max_body.bytes == 0 || max_answer.bytes == 0 {
        bail!("--max-body-bytes and --max-prometheus-bytes start at 1");
    }
    for u in split_lines(&cli.url) {
        let url = url(&u, "--url")?;
        checks.push(Check {
            name: shown(&url),
            probe: Probe::Http(HttpCheck {
                url,
                expect: expect.clone(),
                max_latency,
                body_regex: body_regex.clone(),
                headers: url_headers.clone(),
                max_body,
            }),
            timeout,
            observe_only: false,
            failure_threshold: cli.failure_threshold,
            error_threshold: cli.error_threshold,
        });
    }
    let prom_headers = headers(
        &header_specs(&cli.prometheus_header, "--prometheus-header")?,
        env,
        "--prometheus-header",
    )?;
    let prom_base = cli
        .prometheus_url
        .as_deref()
        .map(|s| url(s, "--prometheus-url"))
        .transpose()?;
    let name_re = Regex::new(r"^([A-Za-z0-9_.-]+):\s+(.+)$")?;
    for q in split_lines(&cli.query) {
        let caps = name_re.captures(&q).with_context(|| {
            format!("--query {q:?}: start with a name, e.g. \"error-rate: sum(rate(errors_total[5m])) < 0.01\"")
        })?;
        let base = prom_base.clone().with_context(|| {
            format!(
                "--query {}: no Prometheus to ask; pass --prometheus-url",
                &caps[1]
            )
        })?;
        checks.push(Check {
            name: caps[1].to_owned(),
            probe: Probe::Prometheus(PromCheck {
                base_url: base,
                condition: Condition::parse(&caps[2], &format!("--query {}", &caps[1]))?,
                no_data: cli.no_data,
                headers: prom_headers.clone(),
                max_answer,
            }),
            timeout,
            observe_only: false,
            failure_threshold: cli.failure_threshold,
            error_threshold: cli.error_threshold,
        });
    }
    let inherited = Inherited {
        timeout,
        prometheus: prom_base.as_ref(),
        prometheus_headers: &prom_headers,
        no_data: cli.no_data,
        failure_threshold: cli.failure_threshold,
        error_threshold: cli.error_threshold,
        max_body,
        max_answer,
    };
    if let Some(spec) = &cli.checks {
        // TOML text (the action's multi-line input) or a file's path.
        let t = spec.trim();
        let (text, origin) = if t.contains('\n') || t.starts_with('[') || t.contains('=') {
            if spec.len() as u64 > MAX_CHECKS_FILE_BYTES {
                bail!(
                    "the checks input is over {}: split the checks or keep fewer",
                    human_bytes(MAX_CHECKS_FILE_BYTES)
                );
            }
            (spec.clone(), "the checks input".to_owned())
        } else {
            let shown: String = t.chars().take(200).collect();
            let text =
                read_checks_file(t).map_err(|why| anyhow::anyhow!("--checks {shown}: {why}"))?;
            (text, format!("--checks {shown}"))
        };
        let file: ChecksFile = toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{origin}: not a valid checks file: {}",
                e.to_string().trim()
            )
        })?;
        if file.check.is_empty() {
            bail!("{origin}: no [[check]] tables");
        }
        for (i, e) in file.check.into_iter().enumerate() {
            let what = format!("{origin}: check {}", i + 1);
            checks.push(entry(e, &what, env, &inherited)?);
        }
    }
    if checks.is_empty() {
        bail!("nothing to watch: pass --url, --query (with --prometheus-url) or --checks");
    }
    for c in &mut checks {
        if observe.contains(&c.name) {
            c.observe_only = true;
        }
    }
    for name in &observe {
        if !checks.iter().any(|c| &c.name == name) {
            bail!("--observe-only {name}: no check has that name");
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for c in &checks {
        if !seen.insert(c.name.as_str()) {
            bail!(
                "two checks are named {:?}; give each check its own name",
                c.name
            );
        }
        if c.failure_threshold == 0 || c.error_threshold == 0 {
            bail!("check {}: thresholds start at 1", c.name);
        }
    }
    if checks.iter().all(|c| c.observe_only) {
        bail!(
            "every check is observe-only, so nothing could decide the verdict; leave at least one deciding check"
        );
    }
    Ok(checks)
}

/// Reads the checks file, at most [`MAX_CHECKS_FILE_BYTES`] of it, so a
/// path such as `/dev/zero` fails at once instead of growing without end.
fn read_checks_file(path: &str) -> Result<String, String> {
    use std::io::Read as _;
    let cannot = |e: std::io::Error| {
        format!("cannot read the checks file ({e}); give a TOML file with [[check]] tables")
    };
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    file.take(MAX_CHECKS_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_CHECKS_FILE_BYTES {
        return Err(format!(
            "the checks file is over {} (the most read); split the checks or keep fewer",
            human_bytes(MAX_CHECKS_FILE_BYTES)
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "the checks file is not UTF-8 text (byte {}); give a TOML file with [[check]] tables",
            e.utf8_error().valid_up_to()
        )
    })
}

/// What a `[[check]]` table takes from the flags unless it says otherwise.
struct Inherited<'a> {
    timeout: Duration,
    prometheus: Option<&'a reqwest::Url>,
    prometheus_headers: &'a HeaderMap,
    no_data: NoData,
    failure_threshold: u32,
    error_threshold: u32,
    max_body: ReadCap,
    max_answer: ReadCap,
}

/// A `[[check]]` table's own cap, else the flag's.
fn cap(
    own: Option<u64>,
    key: &'static str,
    inherited: ReadCap,
    what: &str,
) -> anyhow::Result<ReadCap> {
    match own {
        None => Ok(inherited),
        Some(0) => bail!("{what}: {key} starts at 1"),
        Some(bytes) => Ok(ReadCap { bytes, flag: key }),
    }
}

fn entry(e: Entry, what: &str, env: &Env, inherited: &Inherited<'_>) -> anyhow::Result<Check> {
    let timeout = match &e.timeout {
        Some(t) => duration::parse(t, &format!("{what}: timeout"))?,
        None => inherited.timeout,
    };
    let header_specs: Vec<(String, String)> = e.headers.into_iter().collect();
    let headers = headers(&header_specs, env, &format!("{what}: headers"))?;
    let probe = match (&e.url, &e.query) {
        (Some(u), None) => {
            if e.prometheus.is_some() || e.no_data.is_some() || e.max_prometheus_bytes.is_some() {
                bail!(
                    "{what}: prometheus, no-data and max-prometheus-bytes belong to query checks, not url checks"
                );
            }
            Probe::Http(HttpCheck {
                url: url(u, &format!("{what}: url"))?,
                expect: StatusSpec::parse(
                    e.expect_status.as_deref().unwrap_or("2xx"),
                    &format!("{what}: expect-status"),
                )?,
                max_latency: e
                    .max_latency
                    .as_deref()
                    .map(|s| duration::parse(s, &format!("{what}: max-latency")))
                    .transpose()?,
                body_regex: e
                    .body_regex
                    .as_deref()
                    .map(|s| {
                        Regex::new(s).with_context(|| {
                            format!("{what}: body-regex {s:?} is not a valid regex")
                        })
                    })
                    .transpose()?,
                headers,
                max_body: cap(e.max_body_bytes, "max-body-bytes", inherited.max_body, what)?,
            })
        }
        (None, Some(q)) => {
            if e.expect_status.is_some()
                || e.max_latency.is_some()
                || e.body_regex.is_some()
                || e.max_body_bytes.is_some()
            {
                bail!(
                    "{what}: expect-status, max-latency, body-regex and max-body-bytes belong to url checks"
                );
            }
            let base = match &e.prometheus {
                Some(p) => url(p, &format!("{what}: prometheus"))?,
                None => inherited.prometheus.cloned().with_context(|| {
                    format!("{what}: no Prometheus to ask; set prometheus = \"http://...\" or pass --prometheus-url")
                })?,
            };
            Probe::Prometheus(PromCheck {
                base_url: base,
                condition: Condition::parse(q, &format!("{what}: query"))?,
                no_data: e.no_data.unwrap_or(inherited.no_data),
                headers: if header_specs.is_empty() {
                    // The global Prometheus headers apply unless the check
                    // has its own.
                    inherited.prometheus_headers.clone()
                } else {
                    headers
                },
                max_answer: cap(
                    e.max_prometheus_bytes,
                    "max-prometheus-bytes",
                    inherited.max_answer,
                    what,
                )?,
            })
        }
        _ => bail!("{what}: give exactly one of url (an HTTP check) or query (a Prometheus check)"),
    };
    let name = match e.name {
        Some(n) if !n.trim().is_empty() => n.trim().to_owned(),
        Some(_) => bail!("{what}: the name is empty"),
        None => match &probe {
            Probe::Http(h) => shown(&h.url),
            Probe::Prometheus(_) => bail!("{what}: a query check needs a name"),
        },
    };
    Ok(Check {
        name,
        probe,
        timeout,
        observe_only: e.observe_only,
        failure_threshold: e.failure_threshold.unwrap_or(inherited.failure_threshold),
        error_threshold: e.error_threshold.unwrap_or(inherited.error_threshold),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_split_at_the_last_comparison_with_a_number() {
        let c = Condition::parse("sum(rate(errors_total[5m])) < 0.01", "q").unwrap();
        assert_eq!(c.expr, "sum(rate(errors_total[5m]))");
        assert_eq!((c.op, c.threshold), (Op::Lt, 0.01));
        let c = Condition::parse("count(rate(x[5m]) > 0) <= 3", "q").unwrap();
        assert_eq!(c.expr, "count(rate(x[5m]) > 0)");
        assert_eq!((c.op, c.threshold), (Op::Le, 3.0));
        let c = Condition::parse("up{job!=\"a\"}==1", "q").unwrap();
        assert_eq!(c.expr, "up{job!=\"a\"}");
        assert_eq!((c.op, c.threshold), (Op::Eq, 1.0));
        for (s, op) in [
            ("x>=1e3", Op::Ge),
            ("x > -2", Op::Gt),
            ("x != 0", Op::Ne),
            ("x<.5", Op::Lt),
        ] {
            assert_eq!(Condition::parse(s, "q").unwrap().op, op, "{s}");
        }
        assert_eq!(Condition::parse("x > -2", "q").unwrap().threshold, -2.0);
        for bad in ["sum(x)", "x < y", "< 1", "x <"] {
            let e = Condition::parse(bad, "--query a").unwrap_err().to_string();
            assert!(e.contains("--query a"), "{e}");
        }
    }

    #[test]
    fn range_selectors() {
        let r = |s| longest_range(s);
        assert_eq!(
            r("sum(rate(e[5m])) / sum(rate(r[1m])) < 0.01"),
            Some(Duration::from_secs(300))
        );
        assert_eq!(
            r("max_over_time(x[1h30m:1m]) > 1"),
            Some(Duration::from_secs(5400))
        );
        assert_eq!(r("up == 1"), None);
        // A label value that looks like a range counts too: it only adds a
        // note.
        assert_eq!(r("x{a=\"[5m]x\"}"), Some(Duration::from_secs(300)));
    }

    #[test]
    fn operators_never_hold_for_nan() {
        for op in [Op::Lt, Op::Le, Op::Gt, Op::Ge, Op::Eq] {
            assert!(!op.holds(f64::NAN, 1.0));
        }
        assert!(Op::Lt.holds(0.001, 0.01) && !Op::Lt.holds(0.01, 0.01));
        assert!(Op::Le.holds(0.01, 0.01));
    }

    #[test]
    fn status_specs() {
        let s = StatusSpec::parse("2xx", "--expect-status").unwrap();
        assert!(s.accepts(200) && s.accepts(299) && !s.accepts(301) && !s.accepts(500));
        let s = StatusSpec::parse("200, 301-302", "--expect-status").unwrap();
        assert!(s.accepts(200) && s.accepts(302) && !s.accepts(204));
        for bad in ["ok", "6xx", "299-200", "99", ""] {
            assert!(StatusSpec::parse(bad, "--expect-status").is_err(), "{bad}");
        }
    }

    fn cli(args: &[&str]) -> Cli {
        use clap::Parser;
        let mut argv = vec!["post-deploy-watch"];
        argv.extend_from_slice(args);
        Cli::parse_from(argv)
    }

    #[test]
    fn flags_make_checks_and_headers_come_from_the_environment() {
        let env = Env::from_pairs([("HEALTH_TOKEN", "Bearer s3cret")]);
        let c = cli(&[
            "--url",
            "http://127.0.0.1:1/health",
            "--header",
            "Authorization=HEALTH_TOKEN",
            "--max-latency",
            "800ms",
            "--prometheus-url",
            "http://127.0.0.1:9090",
            "--query",
            "errors: sum(rate(e[1m])) < 0.01",
            "--observe-only",
            "errors",
        ]);
        let checks = from_cli(&c, &env).unwrap();
        assert_eq!(checks.len(), 2);
        let Probe::Http(h) = &checks[0].probe else {
            panic!()
        };
        assert_eq!(h.headers["authorization"], "Bearer s3cret");
        assert!(h.headers["authorization"].is_sensitive());
        assert!(!format!("{:?}", checks[0]).contains("s3cret"));
        assert_eq!(checks[0].threshold(), Some(800.0));
        assert_eq!(checks[1].name, "errors");
        assert!(checks[1].observe_only);
        let e = from_cli(&c, &Env::default()).unwrap_err().to_string();
        assert!(e.contains("HEALTH_TOKEN is not set"), "{e}");
        // A URL's user, password and query stay out of the check's name.
        let c = cli(&["--url", "https://u:pw@example.test/health?token=t0k#x"]);
        let checks = from_cli(&c, &env).unwrap();
        assert_eq!(checks[0].name, "https://example.test/health");
    }

    // Regression (#12.5, security review): checks had no size cap.
    /// Issue #12, item 5: the checks input has the checks file's cap (the
    /// file's is tested on /dev/zero in tests/bounds.rs).
    #[test]
    fn checks_given_inline_have_the_files_size_cap() {
        let one = "[[check]]\nname = \"a\"\nurl = \"http://a/\"\n";
        let big = one.repeat(MAX_CHECKS_FILE_BYTES as usize / one.len() + 1);
        let e = from_cli(&cli(&["--checks", &big]), &Env::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("the checks input is over 1 MiB"), "{e}");
        assert!(e.len() < 200, "{e}");
        // A table's own cap must be at least 1, and belongs to its kind.
        for (toml, want) in [
            (
                "url = \"http://a/\"\nmax-body-bytes = 0",
                "max-body-bytes starts at 1",
            ),
            (
                "url = \"http://a/\"\nmax-prometheus-bytes = 5",
                "belong to query checks",
            ),
        ] {
            let t = format!("[[check]]\nname = \"a\"\n{toml}\n");
            let e = from_cli(&cli(&["--checks", &t]), &Env::default())
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{toml}: {e}");
        }
    }

    #[test]
    fn human_bytes_reads_as_people_write_sizes() {
        assert_eq!(human_bytes(1 << 20), "1 MiB");
        assert_eq!(human_bytes(32 << 20), "32 MiB");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(1000), "1000 bytes");
    }

    #[test]
    fn bad_flags_name_the_input() {
        let env = Env::default();
        for (args, want) in [
            (vec![], "nothing to watch"),
            (vec!["--url", "ftp://x"], "--url"),
            (vec!["--query", "a: x < 1"], "--prometheus-url"),
            (vec!["--url", "http://a/", "--timeout", "0s"], "--timeout"),
            (
                vec!["--url", "http://a/", "--observe-only", "b"],
                "--observe-only b",
            ),
            (
                vec!["--url", "http://a/", "--observe-only", "http://a/"],
                "observe-only",
            ),
            (
                vec!["--url", "http://a/", "--url", "http://a/"],
                "two checks",
            ),
            (
                vec!["--url", "http://a/", "--header", "Authorization"],
                "NAME=ENV_VAR",
            ),
            (
                vec!["--url", "http://a/", "--body-regex", "("],
                "--body-regex",
            ),
        ] {
            let e = from_cli(&cli(&args), &env).unwrap_err().to_string();
            assert!(e.contains(want), "{args:?}: {e}");
        }
    }

    #[test]
    fn toml_checks_inline_or_from_a_file() {
        let toml = r#"
[[check]]
name = "health"
url = "https://example.test/health"
expect-status = "200"
max-latency = "1s"
body-regex = "ok"
headers = { Authorization = "TOKEN" }

[[check]]
name = "errors"
prometheus = "http://127.0.0.1:9090"
query = "sum(rate(errors_total[1m])) > 5"
no-data = "ok"
observe-only = true
failure-threshold = 2
"#;
        let env = Env::from_pairs([("TOKEN", "t")]);
        let checks = from_cli(&cli(&["--checks", toml]), &env).unwrap();
        assert_eq!(checks.len(), 2);
        assert_eq!(checks[0].kind(), "http");
        assert_eq!(checks[1].kind(), "prometheus");
        assert!(checks[1].observe_only);
        assert_eq!(checks[1].failure_threshold, 2);
        assert_eq!(checks[1].error_threshold, 5);
        let Probe::Prometheus(p) = &checks[1].probe else {
            panic!()
        };
        assert_eq!(p.no_data, NoData::Ok);
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("checks.toml");
        std::fs::write(&f, toml).unwrap();
        let from_file = from_cli(&cli(&["--checks", f.to_str().unwrap()]), &env).unwrap();
        assert_eq!(from_file.len(), 2);
    }

    #[test]
    fn bad_toml_names_the_check_and_the_field() {
        let env = Env::default();
        for (toml, want) in [
            (
                "[[check]]\nname = \"a\"\nurl = \"http://a/\"\nquery = \"x < 1\"\n",
                "exactly one of url",
            ),
            (
                "[[check]]\nname = \"a\"\nurl = \"http://a/\"\ncolour = 1\n",
                "colour",
            ),
            (
                "[[check]]\nquery = \"x < 1\"\nprometheus = \"http://p/\"\n",
                "needs a name",
            ),
            (
                "[[check]]\nname = \"a\"\nurl = \"http://a/\"\nmax-latency = \"fast\"\n",
                "check 1: max-latency",
            ),
            ("[[check]\n", "not a valid checks file"),
            ("# nothing\n\n# still nothing\n", "no [[check]]"),
        ] {
            let e = from_cli(&cli(&["--checks", toml]), &env)
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{toml}: {e}");
        }
        let e = from_cli(&cli(&["--checks", "/nonexistent/checks.toml"]), &env)
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot read the checks file"), "{e}");
    }
}
