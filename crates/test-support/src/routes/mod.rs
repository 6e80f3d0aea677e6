//! Request routing. [`route`] parses a request once (method, the
//! percent-decoded path segments after `/repos/{owner}/{repo}`, the JSON
//! body) and hands it to the module of its endpoint family, each a match
//! over method and path on the shared state:
//!
//! - `pulls`: pull requests and their files;
//! - `issues`: issue comments and labels;
//! - `repos`: commit statuses, commits and compare;
//! - `contents`: files and directories, and writing a file;
//! - `git`: refs, annotated tags and the tag listing (blobs, trees and
//!   commits are in `git_data.rs`);
//! - `releases`, `deployments`, and `actions` (workflow dispatch);
//! - the repository itself, its branches, rules, rulesets, protection and
//!   environments: `repo_settings.rs`.
//!
//! Also here: what the families share (pagination, query strings, resolving
//! a name to a commit, the fake's content hash). Faults, request recording,
//! read-only tokens and events are handled around routing, in `lib.rs` and
//! `events.rs`.

mod actions;
mod contents;
mod deployments;
mod git;
mod issues;
mod pulls;
mod releases;
mod repos;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Mutex, PoisonError};

use serde_json::Value;

pub use pulls::PULL_FILES_CAP;

use crate::state::RepoState;
use crate::{RecordedRequest, Reply, Shared};

/// One request to a repository, as the router hands it on.
#[derive(Clone, Copy)]
pub(crate) struct Call<'a> {
    /// The API base URL.
    pub(crate) base: &'a str,
    /// `owner/name`.
    pub(crate) full: &'a str,
    /// The path segments after `/repos/{owner}/{repo}`.
    pub(crate) rest: &'a [&'a str],
    pub(crate) req: &'a RecordedRequest,
    pub(crate) body: &'a Value,
    /// A fresh id for anything this request creates.
    pub(crate) id: u64,
    pub(crate) now: u64,
}

impl<'a> Call<'a> {
    /// `(base, full, rest, req, body, id, now)`, for a family's `route` to
    /// take apart in one line.
    #[allow(clippy::type_complexity)]
    pub(crate) fn parts(
        &self,
    ) -> (
        &'a str,
        &'a str,
        &'a [&'a str],
        &'a RecordedRequest,
        &'a Value,
        u64,
        u64,
    ) {
        let Call {
            base,
            full,
            rest,
            req,
            body,
            id,
            now,
        } = *self;
        (base, full, rest, req, body, id, now)
    }
}

/// Answers one request: 404 for an unknown repository or route, 400 for a
/// body that is not JSON, otherwise what the endpoint's family answers.
pub(crate) fn route(shared: &Mutex<Shared>, base: &str, req: &RecordedRequest) -> Reply {
    let mut s = shared.lock().unwrap_or_else(PoisonError::into_inner);
    let segs: Vec<String> = req.path.trim_matches('/').split('/').map(decode).collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let ["repos", owner, name, rest @ ..] = segs.as_slice() else {
        return Reply::error(404, "Not Found");
    };
    let full = format!("{owner}/{name}");
    if !s.repos.contains_key(&full) {
        return Reply::error(404, "Not Found");
    }
    let body = match body_json(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let id = s.id();
    let now = s.tick();
    #[allow(clippy::unwrap_used)] // Checked just above.
    let repo = s.repos.get_mut(&full).unwrap();
    let call = Call {
        base,
        full: &full,
        rest,
        req,
        body: &body,
        id,
        now,
    };
    match rest.first().copied() {
        None | Some("branches" | "rules" | "rulesets" | "environments") => {
            crate::repo_settings::route(repo, &call)
                .unwrap_or_else(|| Reply::error(404, "Not Found"))
        }
        Some("git") => crate::git_data::route(repo, base, &full, rest, req, &body, now)
            .unwrap_or_else(|| git::route(repo, &call)),
        Some("tags") => git::route(repo, &call),
        Some("pulls") => pulls::route(repo, &call),
        Some("issues" | "labels") => issues::route(repo, &call),
        Some("statuses" | "commits" | "compare") => repos::route(repo, &call),
        Some("contents") => contents::route(repo, &call),
        Some("releases") => releases::route(repo, &call),
        Some("deployments") => deployments::route(repo, &call),
        Some("actions") => actions::route(repo, &call),
        Some(_) => Reply::error(404, "Not Found"),
    }
}

/// A deterministic 40-hex-digit id for content (FNV-1a, widened).
pub(crate) fn blob_sha(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}{:024x}", bytes.len())
}

pub(crate) fn query_map(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Slices a list into the requested page and adds GitHub's Link header.
pub(crate) fn paginate(items: Vec<Value>, req: &RecordedRequest, base_url: &str) -> Reply {
    paginate_with(items, |v| v, req, base_url)
}

/// A JSON array's strings (other items and a missing array give none), as
/// GitHub reads a list field of a request body.
pub(crate) fn string_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The request's `page` (from 1) and `per_page` (`default` when absent,
/// clamped to 1..=`max`), read as GitHub reads them.
pub(crate) fn page_of(req: &RecordedRequest, default: usize, max: usize) -> (usize, usize) {
    let q = query_map(&req.query);
    let number = |key: &str| q.get(key).and_then(|v| v.parse::<usize>().ok());
    let per_page = number("per_page").unwrap_or(default).clamp(1, max);
    (number("page").unwrap_or(1).max(1), per_page)
}

/// Like [`paginate`], rendering only the items on the requested page.
fn paginate_with<T>(
    items: Vec<T>,
    render: impl Fn(T) -> Value,
    req: &RecordedRequest,
    base_url: &str,
) -> Reply {
    let (page, per_page) = page_of(req, 30, 100);
    let last = items.len().div_ceil(per_page).max(1);
    let start = (page - 1) * per_page;
    let slice: Vec<Value> = items
        .into_iter()
        .skip(start)
        .take(per_page)
        .map(render)
        .collect();
    let mut reply = Reply::json(200, Value::Array(slice));
    let link_for = |p: usize| {
        let mut q = query_map(&req.query);
        q.insert("page".into(), p.to_string());
        q.insert("per_page".into(), per_page.to_string());
        let qs: Vec<String> = q.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{base_url}{}?{}", req.path, qs.join("&"))
    };
    let mut links = Vec::new();
    if page < last {
        links.push(format!("<{}>; rel=\"next\"", link_for(page + 1)));
        links.push(format!("<{}>; rel=\"last\"", link_for(last)));
    }
    if page > 1 {
        links.push(format!("<{}>; rel=\"first\"", link_for(1)));
        links.push(format!("<{}>; rel=\"prev\"", link_for(page - 1)));
    }
    if !links.is_empty() {
        reply.headers.push(("Link".into(), links.join(", ")));
    }
    reply
}

/// Resolves a branch, tag or (prefix of a) SHA to a commit SHA.
fn resolve(repo: &RepoState, name: &str) -> Option<String> {
    for key in [
        format!("heads/{name}"),
        format!("tags/{name}"),
        name.trim_start_matches("refs/").to_owned(),
    ] {
        if let Some((sha, kind)) = repo.refs.get(&key) {
            return Some(peel(repo, sha, kind));
        }
    }
    if repo.commits.contains_key(name) {
        return Some(name.to_owned());
    }
    let matches: Vec<&String> = repo
        .commits
        .keys()
        .filter(|s| s.starts_with(name))
        .collect();
    (matches.len() == 1 && name.len() >= 4).then(|| matches[0].clone())
}

fn peel(repo: &RepoState, sha: &str, kind: &str) -> String {
    if kind == "tag" {
        if let Some(t) = repo.tag_objects.get(sha) {
            return t.object.clone();
        }
    }
    sha.to_owned()
}

/// All ancestors of `sha`, itself included, newest first by walk order.
fn ancestors(repo: &RepoState, sha: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    let mut queue = VecDeque::from([sha.to_owned()]);
    while let Some(s) = queue.pop_front() {
        if !seen.insert(s.clone()) {
            continue;
        }
        order.push(s.clone());
        if let Some(c) = repo.commits.get(&s) {
            queue.extend(c.parents.iter().cloned());
        }
    }
    order.sort_by_key(|s| std::cmp::Reverse(repo.commits.get(s).map(|c| c.at).unwrap_or(0)));
    order
}

/// A string field of a request body.
fn opt_str(body: &Value, key: &str) -> Option<String> {
    body.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// A string field of a request body, or a default.
fn str_or(body: &Value, key: &str, default: &str) -> String {
    opt_str(body, key).unwrap_or_else(|| default.to_owned())
}

fn body_json(req: &RecordedRequest) -> Result<Value, Reply> {
    if req.body.trim().is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_str(&req.body).map_err(|_| Reply::error(400, "Problems parsing JSON"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::FileChange;

    #[test]
    fn percent_decoding() {
        assert_eq!(decode("a%20b+c"), "a b c");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz"), "%zz");
    }

    #[test]
    fn file_change_helper() {
        let f = FileChange::modified("a.rs", 1, 2);
        assert_eq!(f.status, "modified");
    }
}
