//! Running one check once: an HTTP GET or a Prometheus instant query, and
//! what its answer means.

use std::time::{Duration, Instant};

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::future::Future;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use crate::checks::{Check, HttpCheck, Op, Probe, PromCheck, ReadCap, parse_prom_number};
use crate::cli::NoData;

/// One measurement.
#[derive(Debug, Clone, PartialEq)]
pub enum Sample {
    /// The check held. `value` is what charts draw (latency in ms, or the
    /// query's value).
    Ok { value: Option<f64>, detail: String },
    /// Production breached the check.
    Breach { value: Option<f64>, detail: String },
    /// The measurement itself failed: it says nothing about production.
    Error { detail: String },
}

impl Sample {
    pub fn value(&self) -> Option<f64> {
        match self {
            Sample::Ok { value, .. } | Sample::Breach { value, .. } => *value,
            Sample::Error { .. } => None,
        }
    }

    pub fn detail(&self) -> &str {
        match self {
            Sample::Ok { detail, .. }
            | Sample::Breach { detail, .. }
            | Sample::Error { detail } => detail,
        }
    }

    pub fn word(&self) -> &'static str {
        match self {
            Sample::Ok { .. } => "ok",
            Sample::Breach { .. } => "BREACH",
            Sample::Error { .. } => "error",
        }
    }
}

/// Builds the one HTTP client every probe uses: no cookies, the
/// environment's proxies, rustls with ring (the provider octocrab already
/// brings), and no redirects: a 3xx is judged by the expected status, and a
/// header holding a secret is never forwarded to another host.
pub fn client() -> anyhow::Result<reqwest::Client> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!(
            "trunkline-post-deploy-watch/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
        .map_err(|e| anyhow::anyhow!("starting the HTTP client: {}", e.without_url()))
}

/// What takes one measurement. The binary's is the HTTP client; tests of
/// the watch's schedule and bounds script their own, so no test of timing
/// depends on a real server's speed.
pub trait Prober {
    /// Runs `check` once, at `at` (Unix seconds, for Prometheus's `time`).
    fn probe(&self, check: &Check, at: f64) -> impl Future<Output = Sample>;
}

impl Prober for reqwest::Client {
    fn probe(&self, check: &Check, at: f64) -> impl Future<Output = Sample> {
        run(self, check, at)
    }
}

/// Runs `check` once, at `at` (Unix seconds, for Prometheus's `time`).
pub async fn run(client: &reqwest::Client, check: &Check, at: f64) -> Sample {
    match &check.probe {
        Probe::Http(h) => http(client, h, check.timeout).await,
        Probe::Prometheus(p) => prometheus(client, p, check.timeout, at).await,
    }
}

/// Why a body was not read whole.
enum Unread {
    /// It is larger than the cap; reading stopped there.
    OverCap,
    /// The connection failed or timed out on the way.
    Failed(reqwest::Error),
}

/// Reads a body as it arrives, at most `cap` bytes of it: a body that says
/// (or turns out) to be larger is refused, having cost at most the cap and
/// one chunk, however large it is.
async fn read_capped(response: &mut reqwest::Response, cap: ReadCap) -> Result<Vec<u8>, Unread> {
    if response.content_length().is_some_and(|n| n > cap.bytes) {
        return Err(Unread::OverCap);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(Unread::Failed)? {
        if (body.len() + chunk.len()) as u64 > cap.bytes {
            return Err(Unread::OverCap);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 10.0).round() / 10.0
}

/// Why a request failed, on one line and without its URL (which may carry
/// a secret).
fn failure(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!("no answer within {}ms", timeout.as_millis());
    }
    if e.is_body() || e.is_decode() {
        return "the answer broke off".to_owned();
    }
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        causes.push(s.to_string());
        source = s.source();
    }
    let text = if e.is_connect() {
        // The root cause: refused, TLS, DNS.
        match causes.last() {
            Some(cause) => format!("connection failed: {cause}"),
            None => "connection failed".to_owned(),
        }
    } else {
        std::iter::once(e.to_string())
            .chain(causes)
            .collect::<Vec<_>>()
            .join(": ")
    };
    // reqwest names the URL in its own messages; drop it.
    let text = match e.url() {
        Some(u) => text.replace(u.as_str(), "the URL"),
        None => text,
    };
    clip(&text)
}

/// One GET; a failure says why without the URL.
async fn get(
    client: &reqwest::Client,
    url: reqwest::Url,
    headers: &reqwest::header::HeaderMap,
    timeout: Duration,
) -> Result<reqwest::Response, String> {
    client
        .get(url)
        .headers(headers.clone())
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| failure(&e, timeout))
}

async fn http(client: &reqwest::Client, h: &HttpCheck, timeout: Duration) -> Sample {
    let started = Instant::now();
    let response = match get(client, h.url.clone(), &h.headers, timeout).await {
        Ok(r) => r,
        // Production not answering is a breach, not a measurement error.
        Err(detail) => {
            return Sample::Breach {
                value: None,
                detail,
            };
        }
    };
    let mut response = response;
    let status = response.status().as_u16();
    let body = match &h.body_regex {
        Some(_) => match read_capped(&mut response, h.max_body).await {
            Ok(b) => Some(String::from_utf8_lossy(&b).into_owned()),
            // Too large to match is a fault of the check, not of production.
            Err(Unread::OverCap) => {
                return Sample::Error {
                    detail: format!(
                        "{status} with a body over {}, the most read for --body-regex; raise the cap or match a smaller page",
                        h.max_body.describe()
                    ),
                };
            }
            Err(Unread::Failed(e)) => {
                return Sample::Breach {
                    value: None,
                    detail: failure(&e, timeout),
                };
            }
        },
        None => None,
    };
    drop(response);
    let latency = started.elapsed();
    let value = Some(ms(latency));
    let mut detail = format!("{status} in {}ms", ms(latency));
    if !h.expect.accepts(status) {
        detail.push_str(&format!(" (expected {})", h.expect.text));
        return Sample::Breach { value, detail };
    }
    if let Some(max) = h.max_latency {
        if latency > max {
            detail.push_str(&format!(" (slower than {}ms)", max.as_millis()));
            return Sample::Breach { value, detail };
        }
    }
    if let (Some(re), Some(body)) = (&h.body_regex, &body) {
        if !re.is_match(body) {
            detail.push_str(&format!(" (body does not match /{}/)", re.as_str()));
            return Sample::Breach { value, detail };
        }
    }
    Sample::Ok { value, detail }
}

/// Prometheus's answer, read without copying: a series' labels stay raw
/// JSON in the body until a report names that series, so judging a large
/// answer costs little beyond the answer itself.
#[derive(Debug, Deserialize)]
struct PromEnvelope<'a> {
    status: Cow<'a, str>,
    #[serde(default, borrow)]
    data: Option<PromData<'a>>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
}

/// `data`: the result stays raw until `resultType` says how to read it,
/// whichever of the two comes first.
#[derive(Debug, Deserialize)]
struct PromData<'a> {
    #[serde(rename = "resultType", borrow)]
    result_type: Cow<'a, str>,
    #[serde(default, borrow)]
    result: Option<&'a RawValue>,
}

/// A result read by its type.
enum PromResult<'a> {
    Vector(Vec<PromSeries<'a>>),
    Scalar(PromValue<'a>),
}

#[derive(Debug, Deserialize)]
struct PromSeries<'a> {
    #[serde(default, borrow)]
    metric: Option<&'a RawValue>,
    #[serde(borrow)]
    value: PromValue<'a>,
}

/// `[<time>, "<value>"]`.
#[derive(Debug, Deserialize)]
struct PromValue<'a>(IgnoredAny, #[serde(borrow)] Cow<'a, str>);

impl PromValue<'_> {
    fn number(&self) -> Option<f64> {
        parse_prom_number(&self.1)
    }
}

/// Just enough of an answer to tell JSON that is not a query result from
/// JSON that is not an answer at all.
#[derive(Deserialize)]
struct AnyEnvelope {
    #[allow(dead_code)]
    status: IgnoredAny,
}

async fn prometheus(client: &reqwest::Client, p: &PromCheck, timeout: Duration, at: f64) -> Sample {
    let mut url = p.base_url.clone();
    {
        let path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{path}/api/v1/query"));
        url.query_pairs_mut()
            .append_pair("query", &p.condition.expr)
            .append_pair("time", &format!("{at:.3}"));
    }
    let mut response = match get(client, url, &p.headers, timeout).await {
        Ok(r) => r,
        Err(why) => {
            return Sample::Error {
                detail: format!("Prometheus: {why}"),
            };
        }
    };
    let status = response.status().as_u16();
    let body = match read_capped(&mut response, p.max_answer).await {
        Ok(b) => b,
        Err(Unread::OverCap) => {
            return Sample::Error {
                detail: format!(
                    "Prometheus's answer ({status}) is over {}, the most read; aggregate the query (e.g. sum by (...)) or raise the cap",
                    p.max_answer.describe()
                ),
            };
        }
        Err(Unread::Failed(e)) => {
            return Sample::Error {
                detail: format!("Prometheus: {}", failure(&e, timeout)),
            };
        }
    };
    evaluate(p, status, &body)
}

/// What a Prometheus answer means for the check, with any warnings it
/// gave appended (e.g. a query touching too many samples).
pub fn evaluate(p: &PromCheck, status: u16, body: &[u8]) -> Sample {
    let envelope = serde_json::from_slice::<PromEnvelope<'_>>(body);
    let warnings = envelope
        .as_ref()
        .map(|e| e.warnings.clone())
        .unwrap_or_default();
    let mut sample = judge(p, status, body, envelope.ok());
    if !warnings.is_empty() {
        let note = format!(" (Prometheus warns: {})", clip(&warnings.join("; ")));
        match &mut sample {
            Sample::Ok { detail, .. }
            | Sample::Breach { detail, .. }
            | Sample::Error { detail } => detail.push_str(&note),
        }
    }
    sample
}

fn judge(p: &PromCheck, status: u16, body: &[u8], envelope: Option<PromEnvelope<'_>>) -> Sample {
    if !(200..300).contains(&status) {
        let why = envelope
            .as_ref()
            .and_then(|e| e.error.clone())
            .or_else(|| {
                // An error answer need not parse as a result to say why.
                #[derive(Deserialize)]
                struct ErrorOnly {
                    error: Option<String>,
                }
                serde_json::from_slice::<ErrorOnly>(body).ok()?.error
            })
            .unwrap_or_else(|| "no API error given".to_owned());
        return Sample::Error {
            detail: format!("Prometheus answered {status}: {}", clip(&why)),
        };
    }
    let Some(envelope) = envelope else {
        if serde_json::from_slice::<AnyEnvelope>(body).is_ok() {
            return malformed();
        }
        return Sample::Error {
            detail: "Prometheus's answer is not a query result (unparsable JSON)".to_owned(),
        };
    };
    if envelope.status != "success" {
        return Sample::Error {
            detail: format!(
                "Prometheus: {} error: {}",
                clip(envelope.error_type.as_deref().unwrap_or("unknown")),
                clip(envelope.error.as_deref().unwrap_or(""))
            ),
        };
    }
    let Some(data) = envelope.data else {
        return Sample::Error {
            detail: "Prometheus's answer has no data".to_owned(),
        };
    };
    // (labels, value) per series; the labels are read only to be shown.
    let result = match data.result_type.as_ref() {
        "vector" => data
            .result
            .and_then(|r| serde_json::from_str(r.get()).ok())
            .map(PromResult::Vector),
        "scalar" => data
            .result
            .and_then(|r| serde_json::from_str(r.get()).ok())
            .map(PromResult::Scalar),
        other => {
            return Sample::Error {
                detail: format!(
                    "the query gives a {}, not a number per series; an instant query must give a vector or a scalar",
                    clip(other)
                ),
            };
        }
    };
    let Some(result) = result else {
        return malformed();
    };
    // (labels, value) per series; the labels are read only to be shown.
    let series: Vec<(Option<&RawValue>, f64)> = match &result {
        PromResult::Vector(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let Some(v) = item.value.number() else {
                    return malformed();
                };
                out.push((item.metric, v));
            }
            out
        }
        PromResult::Scalar(v) => match v.number() {
            Some(v) => vec![(None, v)],
            None => return malformed(),
        },
    };
    let scalar = matches!(result, PromResult::Scalar(_));
    let name = |labels: Option<&RawValue>| {
        if scalar {
            "scalar".to_owned()
        } else {
            series_name(labels)
        }
    };
    let c = &p.condition;
    let numbers = series.iter().filter(|(_, v)| !v.is_nan());
    let failing: Vec<&(Option<&RawValue>, f64)> = numbers
        .clone()
        .filter(|(_, v)| !c.op.holds(*v, c.threshold))
        .collect();
    let counted = numbers.clone().count();
    // The value a chart draws: the worst series for the condition.
    let worst = match c.op {
        Op::Lt | Op::Le => numbers.map(|s| s.1).reduce(f64::max),
        Op::Gt | Op::Ge => numbers.map(|s| s.1).reduce(f64::min),
        Op::Eq | Op::Ne => failing
            .first()
            .map(|s| s.1)
            .or(series.iter().find(|s| !s.1.is_nan()).map(|s| s.1)),
    };
    let cond = format!("{} {}", c.op.as_str(), c.threshold);
    if !failing.is_empty() {
        let names: Vec<String> = failing
            .iter()
            .take(5)
            .map(|(n, v)| format!("{} = {v}", name(*n)))
            .collect();
        let more = failing.len().saturating_sub(5);
        let mut detail = format!(
            "{} of {} series not {cond}: {}",
            failing.len(),
            series.len(),
            names.join(", ")
        );
        if more > 0 {
            detail.push_str(&format!(", and {more} more"));
        }
        return Sample::Breach {
            value: worst,
            detail,
        };
    }
    let no_data = if series.is_empty() {
        Some("no data (empty result)".to_owned())
    } else if counted < series.len() {
        let nan: Vec<String> = series
            .iter()
            .filter(|s| s.1.is_nan())
            .map(|s| name(s.0))
            .take(5)
            .collect();
        Some(format!("no data (NaN: {})", nan.join(", ")))
    } else {
        None
    };
    match (no_data, p.no_data) {
        (None, _) | (Some(_), NoData::Ok) => {
            let detail = match worst {
                Some(w) if series.len() == 1 => format!("{w} {cond}"),
                Some(w) => format!("{counted} series {cond} (worst {w})"),
                None => "no data, counted as ok".to_owned(),
            };
            Sample::Ok {
                value: worst,
                detail,
            }
        }
        (Some(why), NoData::Breach) => Sample::Breach {
            value: worst,
            detail: format!("{why}, counted as a breach"),
        },
        (Some(why), NoData::Error) => Sample::Error {
            detail: format!("{why}; see --no-data, or add `or vector(0)` to the query"),
        },
    }
}

fn malformed() -> Sample {
    Sample::Error {
        detail: "Prometheus's answer does not have the query result's shape".to_owned(),
    }
}

/// `name{label="value",...}`, as Prometheus writes a series.
fn series_name(metric: Option<&RawValue>) -> String {
    let labels: BTreeMap<String, serde_json::Value> = metric
        .and_then(|m| serde_json::from_str(m.get()).ok())
        .unwrap_or_default();
    let name = labels
        .get("__name__")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("");
    let shown: Vec<String> = labels
        .iter()
        .filter(|(k, _)| k.as_str() != "__name__")
        .map(|(k, v)| format!("{k}={:?}", v.as_str().unwrap_or("")))
        .collect();
    clip(&format!("{name}{{{}}}", shown.join(",")))
}

/// Text on one line, so a log line can never become a workflow command.
pub(crate) fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Untrusted text from a server, shortened and on one line.
fn clip(s: &str) -> String {
    let one = one_line(s);
    match one.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &one[..i]),
        None => one,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Condition;
    use reqwest::header::HeaderMap;

    fn check(cond: &str, no_data: NoData) -> PromCheck {
        PromCheck {
            base_url: reqwest::Url::parse("http://127.0.0.1:9090").unwrap(),
            condition: Condition::parse(cond, "q").unwrap(),
            no_data,
            headers: HeaderMap::new(),
            max_answer: ReadCap {
                bytes: crate::checks::DEFAULT_MAX_PROMETHEUS_BYTES,
                flag: "--max-prometheus-bytes",
            },
        }
    }

    fn vector(values: &[(&str, &str)]) -> Vec<u8> {
        let result: Vec<serde_json::Value> = values
            .iter()
            .map(|(job, v)| serde_json::json!({"metric": {"__name__": "errors", "job": job}, "value": [1700000000.0, v]}))
            .collect();
        serde_json::to_vec(&serde_json::json!({"status": "success", "data": {"resultType": "vector", "result": result}})).unwrap()
    }

    #[test]
    fn every_series_must_hold_and_the_failing_ones_are_named() {
        let c = check("errors < 5", NoData::Error);
        let s = evaluate(&c, 200, &vector(&[("a", "1"), ("b", "2")]));
        assert_eq!(
            s,
            Sample::Ok {
                value: Some(2.0),
                detail: "2 series < 5 (worst 2)".into()
            }
        );
        let s = evaluate(&c, 200, &vector(&[("a", "1"), ("b", "7"), ("c", "+Inf")]));
        let Sample::Breach { value, detail } = s else {
            panic!("{s:?}")
        };
        assert_eq!(value, Some(f64::INFINITY));
        assert!(detail.starts_with("2 of 3 series not < 5"), "{detail}");
        assert!(
            detail.contains("errors{job=\"b\"} = 7") && !detail.contains("\"a\""),
            "{detail}"
        );
    }

    #[test]
    fn prometheus_warnings_are_kept() {
        let c = check("x < 5", NoData::Error);
        let body = br#"{"status":"success","warnings":["PromQL info: metric might not be a counter"],"data":{"resultType":"scalar","result":[1.5,"1"]}}"#;
        let s = evaluate(&c, 200, body);
        assert!(
            matches!(&s, Sample::Ok { detail, .. } if detail.contains("warns: PromQL info")),
            "{s:?}"
        );
    }

    #[test]
    fn scalars_are_one_series() {
        let c = check("scalar(x) >= 1", NoData::Error);
        let body = br#"{"status":"success","data":{"resultType":"scalar","result":[1.5,"0.5"]}}"#;
        assert!(
            matches!(evaluate(&c, 200, body), Sample::Breach { value: Some(v), .. } if v == 0.5)
        );
    }

    #[test]
    fn empty_and_nan_follow_the_no_data_policy() {
        let empty = vector(&[]);
        let nan = vector(&[("a", "NaN")]);
        for body in [&empty, &nan] {
            assert!(matches!(
                evaluate(&check("x < 1", NoData::Ok), 200, body),
                Sample::Ok { .. }
            ));
            assert!(matches!(
                evaluate(&check("x < 1", NoData::Breach), 200, body),
                Sample::Breach { .. }
            ));
            let s = evaluate(&check("x < 1", NoData::Error), 200, body);
            assert!(
                matches!(&s, Sample::Error { detail } if detail.contains("or vector(0)")),
                "{s:?}"
            );
        }
        // A real breach wins over a NaN series.
        let s = evaluate(
            &check("x < 1", NoData::Ok),
            200,
            &vector(&[("a", "NaN"), ("b", "3")]),
        );
        assert!(matches!(s, Sample::Breach { .. }));
    }

    #[test]
    fn bad_answers_are_measurement_errors_never_breaches_or_passes() {
        let c = check("x < 1", NoData::Ok);
        let cases: [(u16, &[u8], &str); 6] = [
            (
                503,
                br#"{"status":"error","errorType":"unavailable","error":"overloaded"}"#,
                "503: overloaded",
            ),
            (
                200,
                br#"{"status":"error","errorType":"bad_data","error":"parse error"}"#,
                "bad_data error: parse error",
            ),
            (200, b"<html>proxy</html>", "unparsable"),
            (
                200,
                br#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#,
                "gives a matrix",
            ),
            (
                200,
                br#"{"status":"success","data":{"resultType":"string","result":[1,"a"]}}"#,
                "gives a string",
            ),
            (
                200,
                br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{}}]}}"#,
                "shape",
            ),
        ];
        for (status, body, want) in cases {
            let s = evaluate(&c, status, body);
            assert!(
                matches!(&s, Sample::Error { detail } if detail.contains(want)),
                "{want}: {s:?}"
            );
        }
    }
}
