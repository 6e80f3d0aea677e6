//! Request routing: one function per endpoint family, over the shared state.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Mutex, PoisonError};

use base64::Engine as _;
use serde_json::{Value, json};

use crate::state::{
    Comment, ContentFile, Deployment, DeploymentStatusRec, Dispatch, Release, RepoState, StatusRec,
    TagObject,
};
use crate::{RecordedRequest, Reply, Shared, shapes};

/// GitHub stops listing a PR's files here.
pub const PULL_FILES_CAP: usize = 3000;

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

/// Like [`paginate`], rendering only the items on the requested page.
fn paginate_with<T>(
    items: Vec<T>,
    render: impl Fn(T) -> Value,
    req: &RecordedRequest,
    base_url: &str,
) -> Reply {
    let q = query_map(&req.query);
    let per_page = q
        .get("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    let page = q
        .get("page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
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
        let mut q = q.clone();
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

/// A comment body, validated as GitHub does.
fn comment_text(body: &Value) -> Result<&str, Reply> {
    let Some(text) = body.get("body").and_then(Value::as_str) else {
        return Err(Reply::error(422, "Invalid request: body is required"));
    };
    if text.chars().count() > 65_536 {
        return Err(Reply::error(
            422,
            "Validation Failed: body is too long (maximum is 65536 characters)",
        ));
    }
    Ok(text)
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

pub(crate) fn route(shared: &Mutex<Shared>, base: &str, req: &RecordedRequest) -> Reply {
    let mut s = shared.lock().unwrap_or_else(PoisonError::into_inner);
    let segs: Vec<String> = req.path.trim_matches('/').split('/').map(decode).collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let m = req.method.as_str();
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
    let r = &full;
    if let Some(reply) = crate::git_data::route(repo, base, r, rest, req, &body, now) {
        return reply;
    }
    let call = crate::repo_settings::Call {
        base,
        full: r,
        rest,
        req,
        body: &body,
        id,
        now,
    };
    if let Some(reply) = crate::repo_settings::route(repo, &call) {
        return reply;
    }
    match (m, rest) {
        // Pulls.
        ("GET", ["pulls"]) => {
            let q = query_map(&req.query);
            let state = q.get("state").map(String::as_str).unwrap_or("open");
            let mut pulls: Vec<_> = repo
                .pulls
                .values()
                .filter(|p| state == "all" || p.state == state)
                .filter(|p| q.get("base").is_none_or(|b| &p.base_ref == b))
                .collect();
            pulls.sort_by(|a, b| {
                b.created_at
                    .cmp(&a.created_at)
                    .then(b.number.cmp(&a.number))
            });
            let items = pulls
                .into_iter()
                .map(|p| shapes::pull(base, r, &repo.default_branch, p))
                .collect();
            paginate(items, req, base)
        }
        ("GET", ["pulls", n]) => match n.parse().ok().and_then(|n: u64| repo.pulls.get(&n)) {
            Some(p) => Reply::json(200, shapes::pull(base, r, &repo.default_branch, p)),
            None => Reply::error(404, "Not Found"),
        },
        ("GET", ["pulls", n, "files"]) => {
            match n.parse().ok().and_then(|n: u64| repo.pulls.get(&n)) {
                Some(p) => {
                    let files: Vec<_> = p.files.iter().take(PULL_FILES_CAP).collect();
                    paginate_with(files, |f| shapes::file(base, r, f), req, base)
                }
                None => Reply::error(404, "Not Found"),
            }
        }

        // Issue comments.
        ("GET", ["issues", n, "comments"]) => {
            let n: u64 = n.parse().unwrap_or(0);
            let items = repo
                .comments
                .get(&n)
                .map(|cs| cs.iter().map(|c| shapes::comment(base, r, n, c)).collect())
                .unwrap_or_default();
            paginate(items, req, base)
        }
        ("POST", ["issues", n, "comments"]) => {
            let n: u64 = n.parse().unwrap_or(0);
            let text = match comment_text(&body) {
                Ok(t) => t,
                Err(reply) => return reply,
            };
            let c = Comment {
                id,
                body: text.to_owned(),
                user: "github-actions[bot]".to_owned(),
                created_at: now,
                updated_at: now,
            };
            let out = shapes::comment(base, r, n, &c);
            repo.comments.entry(n).or_default().push(c);
            Reply::json(201, out)
        }
        // octocrab sends comment updates as POST; GitHub accepts both.
        ("PATCH" | "POST", ["issues", "comments", cid]) => {
            let cid: u64 = cid.parse().unwrap_or(0);
            let text = match comment_text(&body) {
                Ok(t) => t,
                Err(reply) => return reply,
            };
            for (n, cs) in repo.comments.iter_mut() {
                if let Some(c) = cs.iter_mut().find(|c| c.id == cid) {
                    c.body = text.to_owned();
                    c.updated_at = now;
                    return Reply::json(200, shapes::comment(base, r, *n, c));
                }
            }
            Reply::error(404, "Not Found")
        }
        ("DELETE", ["issues", "comments", cid]) => {
            let cid: u64 = cid.parse().unwrap_or(0);
            for cs in repo.comments.values_mut() {
                if let Some(pos) = cs.iter().position(|c| c.id == cid) {
                    cs.remove(pos);
                    return Reply::empty(204);
                }
            }
            Reply::error(404, "Not Found")
        }

        // Labels.
        ("GET", ["labels"]) => {
            let items = repo
                .labels
                .iter()
                .map(|l| shapes::label(base, r, l))
                .collect();
            paginate(items, req, base)
        }
        ("POST", ["labels"]) => {
            let Some(label) = body.get("name").and_then(Value::as_str) else {
                return Reply::error(422, "Validation Failed: name is missing");
            };
            if repo.labels.iter().any(|l| l.eq_ignore_ascii_case(label)) {
                return Reply::error(422, "Validation Failed: already_exists");
            }
            repo.labels.push(label.to_owned());
            Reply::json(201, shapes::label(base, r, label))
        }
        ("GET", ["issues", n, "labels"]) => {
            let n: u64 = n.parse().unwrap_or(0);
            let items = repo
                .issue_labels
                .get(&n)
                .map(|ls| ls.iter().map(|l| shapes::label(base, r, l)).collect())
                .unwrap_or_default();
            paginate(items, req, base)
        }
        ("POST" | "PUT", ["issues", n, "labels"]) => {
            let n: u64 = n.parse().unwrap_or(0);
            let wanted: Vec<String> = body
                .get("labels")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let current = repo.issue_labels.entry(n).or_default();
            if m == "PUT" {
                current.clear();
            }
            for l in wanted {
                if !current.contains(&l) {
                    current.push(l.clone());
                }
                if !repo.labels.contains(&l) {
                    repo.labels.push(l);
                }
            }
            if let Some(p) = repo.pulls.get_mut(&n) {
                p.labels = repo.issue_labels.get(&n).cloned().unwrap_or_default();
            }
            let items: Vec<Value> = repo.issue_labels[&n]
                .iter()
                .map(|l| shapes::label(base, r, l))
                .collect();
            Reply::json(200, Value::Array(items))
        }
        ("DELETE", ["issues", n, "labels", label]) => {
            let n: u64 = n.parse().unwrap_or(0);
            let current = repo.issue_labels.entry(n).or_default();
            let Some(pos) = current.iter().position(|l| l == label) else {
                return Reply::error(404, "Label does not exist");
            };
            current.remove(pos);
            if let Some(p) = repo.pulls.get_mut(&n) {
                p.labels = current.clone();
            }
            let items: Vec<Value> = current.iter().map(|l| shapes::label(base, r, l)).collect();
            Reply::json(200, Value::Array(items))
        }

        // Commit statuses.
        ("POST", ["statuses", sha]) => {
            let state = body.get("state").and_then(Value::as_str).unwrap_or("");
            if !["error", "failure", "pending", "success"].contains(&state) {
                return Reply::error(422, "Validation Failed: state is not included in the list");
            }
            let description = opt_str(&body, "description");
            if description
                .as_ref()
                .is_some_and(|d| d.chars().count() > 140)
            {
                return Reply::error(
                    422,
                    "Validation Failed: description is too long (maximum is 140 characters)",
                );
            }
            let rec = StatusRec {
                sha: (*sha).to_owned(),
                state: state.to_owned(),
                context: str_or(&body, "context", "default"),
                description,
                target_url: opt_str(&body, "target_url"),
                at: now,
            };
            let out = shapes::status(base, r, id, &rec);
            repo.statuses.push(rec);
            Reply::json(201, out)
        }
        ("GET", ["commits", git_ref, "statuses"]) => {
            let sha = resolve(repo, git_ref).unwrap_or_else(|| (*git_ref).to_owned());
            let items = repo
                .statuses
                .iter()
                .enumerate()
                .rev()
                .filter(|(_, st)| st.sha == sha)
                .map(|(i, st)| shapes::status(base, r, i as u64 + 1, st))
                .collect();
            paginate(items, req, base)
        }

        // Commits and compare.
        ("GET", ["commits"]) => {
            let q = query_map(&req.query);
            let start = q
                .get("sha")
                .cloned()
                .unwrap_or_else(|| repo.default_branch.clone());
            let Some(head) = resolve(repo, &start) else {
                return Reply::error(404, "Not Found");
            };
            let items = ancestors(repo, &head)
                .iter()
                .filter_map(|sha| repo.commits.get(sha))
                .map(|c| shapes::commit(base, r, c))
                .collect();
            paginate(items, req, base)
        }
        ("GET", ["commits", git_ref]) => {
            match resolve(repo, git_ref).and_then(|s| repo.commits.get(&s)) {
                Some(c) => Reply::json(200, shapes::commit(base, r, c)),
                None => Reply::error(422, &format!("No commit found for SHA: {git_ref}")),
            }
        }
        ("GET", ["compare", spec]) => {
            let Some((b, h)) = spec.split_once("...") else {
                return Reply::error(404, "Not Found");
            };
            let (Some(bs), Some(hs)) = (resolve(repo, b), resolve(repo, h)) else {
                return Reply::error(404, "Not Found");
            };
            let base_anc = ancestors(repo, &bs);
            let head_anc = ancestors(repo, &hs);
            let base_set: BTreeSet<&String> = base_anc.iter().collect();
            let head_set: BTreeSet<&String> = head_anc.iter().collect();
            let ahead: Vec<&String> = head_anc.iter().filter(|c| !base_set.contains(c)).collect();
            let behind = base_anc.iter().filter(|c| !head_set.contains(c)).count();
            let merge_base = head_anc
                .iter()
                .find(|c| base_set.contains(c))
                .cloned()
                .unwrap_or_else(|| bs.clone());
            let status = match (ahead.len(), behind) {
                (0, 0) => "identical",
                (_, 0) => "ahead",
                (0, _) => "behind",
                _ => "diverged",
            };
            let commit_json = |sha: &String| {
                repo.commits
                    .get(sha)
                    .map(|c| shapes::commit(base, r, c))
                    .unwrap_or(Value::Null)
            };
            let mut commits: Vec<Value> = ahead.iter().map(|c| commit_json(c)).collect();
            commits.reverse();
            if let Some(limit) = repo.compare_commit_limit {
                commits.truncate(limit);
            }
            // GitHub pages the commit list: 250 by default, per_page up to 100 with page.
            let q = query_map(&req.query);
            let per_page = q
                .get("per_page")
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(250)
                .clamp(1, 250);
            let page = q
                .get("page")
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(1)
                .max(1);
            let commits: Vec<Value> = commits
                .into_iter()
                .skip((page - 1) * per_page)
                .take(per_page)
                .collect();
            Reply::json(
                200,
                json!({
                    "url": format!("{base}/repos/{r}/compare/{spec}"),
                    "html_url": format!("{base}/html/{r}/compare/{spec}"),
                    "permalink_url": format!("{base}/html/{r}/compare/{bs}...{hs}"),
                    "diff_url": format!("{base}/html/{r}/compare/{spec}.diff"),
                    "patch_url": format!("{base}/html/{r}/compare/{spec}.patch"),
                    "base_commit": commit_json(&bs), "merge_base_commit": commit_json(&merge_base),
                    "status": status, "ahead_by": ahead.len(), "behind_by": behind,
                    "total_commits": ahead.len(), "commits": commits, "files": []
                }),
            )
        }

        // Git refs and tags.
        ("GET", ["git", "ref" | "refs", name @ ..]) if !name.is_empty() => {
            let name = name.join("/");
            match repo.refs.get(&name) {
                Some((sha, kind)) => Reply::json(200, shapes::git_ref(base, r, &name, sha, kind)),
                None => Reply::error(404, "Not Found"),
            }
        }
        ("GET", ["git", "matching-refs", prefix @ ..]) => {
            let prefix = prefix.join("/");
            let items = repo
                .refs
                .iter()
                .filter(|(n, _)| n.starts_with(&prefix))
                .map(|(n, (sha, kind))| shapes::git_ref(base, r, n, sha, kind))
                .collect();
            paginate(items, req, base)
        }
        ("POST", ["git", "refs"]) => {
            let (Some(full_ref), Some(sha)) = (
                body.get("ref").and_then(Value::as_str),
                body.get("sha").and_then(Value::as_str),
            ) else {
                return Reply::error(422, "Invalid request: ref and sha are required");
            };
            let Some(name) = full_ref.strip_prefix("refs/").filter(|n| n.contains('/')) else {
                return Reply::error(
                    422,
                    "Reference name must start with 'refs/' and have two slashes",
                );
            };
            if repo.refs.contains_key(name) {
                return Reply::error(422, "Reference already exists");
            }
            let kind = if repo.tag_objects.contains_key(sha) {
                "tag"
            } else {
                "commit"
            };
            if kind == "commit" && !repo.commits.contains_key(sha) {
                return Reply::error(422, "Object does not exist");
            }
            repo.refs
                .insert(name.to_owned(), (sha.to_owned(), kind.to_owned()));
            Reply::json(201, shapes::git_ref(base, r, name, sha, kind))
        }
        ("PATCH", ["git", "refs", name @ ..]) => {
            let name = name.join("/");
            let Some(sha) = body.get("sha").and_then(Value::as_str) else {
                return Reply::error(422, "Invalid request: sha is required");
            };
            let force = body.get("force").and_then(Value::as_bool).unwrap_or(false);
            let Some((old, _)) = repo.refs.get(&name).cloned() else {
                return Reply::error(422, "Reference does not exist");
            };
            if !force && name.starts_with("heads/") && !ancestors(repo, sha).contains(&old) {
                return Reply::error(422, "Update is not a fast forward");
            }
            let kind = if repo.tag_objects.contains_key(sha) {
                "tag"
            } else {
                "commit"
            };
            repo.refs
                .insert(name.clone(), (sha.to_owned(), kind.to_owned()));
            Reply::json(200, shapes::git_ref(base, r, &name, sha, kind))
        }
        ("DELETE", ["git", "refs", name @ ..]) => {
            if repo.refs.remove(&name.join("/")).is_some() {
                Reply::empty(204)
            } else {
                Reply::error(422, "Reference does not exist")
            }
        }
        ("POST", ["git", "tags"]) => {
            let (Some(tag), Some(object)) = (
                body.get("tag").and_then(Value::as_str),
                body.get("object").and_then(Value::as_str),
            ) else {
                return Reply::error(422, "Invalid request: tag and object are required");
            };
            let t = TagObject {
                sha: blob_sha(format!("tag {tag} {object} {now}").as_bytes()),
                tag: tag.to_owned(),
                message: str_or(&body, "message", ""),
                object: object.to_owned(),
                at: now,
            };
            let out = shapes::annotated_tag(base, r, &t);
            repo.tag_objects.insert(t.sha.clone(), t);
            Reply::json(201, out)
        }
        ("GET", ["git", "tags", sha]) => match repo.tag_objects.get(*sha) {
            Some(t) => Reply::json(200, shapes::annotated_tag(base, r, t)),
            None => Reply::error(404, "Not Found"),
        },
        ("GET", ["tags"]) => {
            let mut tags: Vec<(&String, String)> = repo
                .refs
                .iter()
                .filter_map(|(n, (sha, kind))| {
                    Some((n, peel(repo, sha, kind))).filter(|_| n.starts_with("tags/"))
                })
                .collect();
            tags.reverse();
            let items = tags
                .into_iter()
                .map(|(n, sha)| shapes::tag_listing(base, r, n.trim_start_matches("tags/"), &sha))
                .collect();
            paginate(items, req, base)
        }

        // Repository contents, for a data branch.
        ("GET", ["contents", path @ ..]) => {
            let path = path.join("/");
            let q = query_map(&req.query);
            let branch = q
                .get("ref")
                .cloned()
                .unwrap_or_else(|| repo.default_branch.clone());
            if let Some(f) = repo.contents.get(&(branch.clone(), path.clone())) {
                let encoded = base64::engine::general_purpose::STANDARD.encode(&f.bytes);
                return Reply::json(
                    200,
                    shapes::content(base, r, &path, &f.sha, &f.bytes, &encoded),
                );
            }
            // A directory: its direct entries, without content, as GitHub lists them.
            let prefix = if path.is_empty() {
                String::new()
            } else {
                format!("{path}/")
            };
            let entries: Vec<Value> = repo
                .contents
                .iter()
                .filter(|((b, p), _)| {
                    *b == branch && p.starts_with(&prefix) && !p[prefix.len()..].contains('/')
                })
                .map(|((_, p), f)| {
                    let mut v = shapes::content(base, r, p, &f.sha, &f.bytes, "");
                    if let Some(obj) = v.as_object_mut() {
                        obj.remove("content");
                        obj.remove("encoding");
                    }
                    v
                })
                .collect();
            if entries.is_empty() {
                Reply::error(404, "Not Found")
            } else {
                Reply::json(200, Value::Array(entries))
            }
        }
        ("PUT", ["contents", path @ ..]) => {
            let path = path.join("/");
            let branch = opt_str(&body, "branch").unwrap_or_else(|| repo.default_branch.clone());
            let Some(encoded) = body.get("content").and_then(Value::as_str) else {
                return Reply::error(422, "Invalid request: content is required");
            };
            let Ok(bytes) =
                base64::engine::general_purpose::STANDARD.decode(encoded.replace('\n', ""))
            else {
                return Reply::error(422, "Invalid request: content is not valid Base64");
            };
            let key = (branch.clone(), path.clone());
            let given_sha = body.get("sha").and_then(Value::as_str);
            let status = match (repo.contents.get(&key), given_sha) {
                (Some(_), None) => {
                    return Reply::error(422, "Invalid request. \"sha\" wasn't supplied.");
                }
                (Some(existing), Some(s)) if existing.sha != s => {
                    return Reply::error(409, &format!("{path} does not match {s}"));
                }
                (Some(_), Some(_)) => 200,
                (None, _) => 201,
            };
            let parent = repo
                .refs
                .get(&format!("heads/{branch}"))
                .map(|(s, _)| s.clone());
            let commit_sha = blob_sha(format!("commit {path} {now}").as_bytes());
            repo.commits.insert(
                commit_sha.clone(),
                crate::state::Commit {
                    sha: commit_sha.clone(),
                    message: str_or(&body, "message", ""),
                    parents: parent.into_iter().collect(),
                    author: "github-actions".to_owned(),
                    at: now,
                },
            );
            repo.refs.insert(
                format!("heads/{branch}"),
                (commit_sha.clone(), "commit".to_owned()),
            );
            let file = ContentFile {
                sha: blob_sha(&bytes),
                bytes,
            };
            let content = shapes::content(base, r, &path, &file.sha, &file.bytes, encoded);
            repo.contents.insert(key, file);
            let commit = shapes::git_commit(base, r, &repo.commits[&commit_sha]);
            Reply::json(status, json!({"content": content, "commit": commit}))
        }

        // Releases.
        ("GET", ["releases"]) => {
            let items = repo
                .releases
                .iter()
                .rev()
                .map(|x| shapes::release(base, r, x))
                .collect();
            paginate(items, req, base)
        }
        ("GET", ["releases", "latest"]) => {
            match repo
                .releases
                .iter()
                .rev()
                .find(|x| !x.draft && !x.prerelease)
            {
                Some(x) => Reply::json(200, shapes::release(base, r, x)),
                None => Reply::error(404, "Not Found"),
            }
        }
        ("GET", ["releases", "tags", tag]) => {
            match repo.releases.iter().find(|x| x.tag_name == *tag) {
                Some(x) => Reply::json(200, shapes::release(base, r, x)),
                None => Reply::error(404, "Not Found"),
            }
        }
        ("POST", ["releases"]) => {
            let Some(tag) = body.get("tag_name").and_then(Value::as_str) else {
                return Reply::error(422, "Validation Failed: tag_name is missing");
            };
            if repo.releases.iter().any(|x| x.tag_name == tag) {
                return Reply::error(422, "Validation Failed: tag_name already_exists");
            }
            let rel = Release {
                id,
                tag_name: tag.to_owned(),
                target_commitish: str_or(&body, "target_commitish", &repo.default_branch),
                name: opt_str(&body, "name"),
                body: opt_str(&body, "body"),
                draft: body.get("draft").and_then(Value::as_bool).unwrap_or(false),
                prerelease: body
                    .get("prerelease")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                at: now,
            };
            let out = shapes::release(base, r, &rel);
            repo.releases.push(rel);
            Reply::json(201, out)
        }

        // Deployments.
        ("GET", ["deployments"]) => {
            let q = query_map(&req.query);
            let items = repo
                .deployments
                .iter()
                .rev()
                .filter(|d| q.get("sha").is_none_or(|v| &d.sha == v))
                .filter(|d| q.get("ref").is_none_or(|v| &d.git_ref == v))
                .filter(|d| q.get("environment").is_none_or(|v| &d.environment == v))
                .filter(|d| q.get("task").is_none_or(|v| &d.task == v))
                .map(|d| shapes::deployment(base, r, d))
                .collect();
            paginate(items, req, base)
        }
        ("GET", ["deployments", did]) => {
            let did: u64 = did.parse().unwrap_or(0);
            match repo.deployments.iter().find(|d| d.id == did) {
                Some(d) => Reply::json(200, shapes::deployment(base, r, d)),
                None => Reply::error(404, "Not Found"),
            }
        }
        ("POST", ["deployments"]) => {
            let Some(git_ref) = body.get("ref").and_then(Value::as_str) else {
                return Reply::error(422, "Validation Failed: ref is missing");
            };
            let Some(sha) = resolve(repo, git_ref) else {
                return Reply::error(422, &format!("No ref found for: {git_ref}"));
            };
            let d = Deployment {
                id,
                sha,
                git_ref: git_ref.to_owned(),
                task: str_or(&body, "task", "deploy"),
                environment: str_or(&body, "environment", "production"),
                description: opt_str(&body, "description"),
                payload: body.get("payload").cloned().unwrap_or(json!({})),
                at: now,
                statuses: Vec::new(),
            };
            let out = shapes::deployment(base, r, &d);
            repo.deployments.push(d);
            Reply::json(201, out)
        }
        ("GET", ["deployments", did, "statuses"]) => {
            let did: u64 = did.parse().unwrap_or(0);
            match repo.deployments.iter().find(|d| d.id == did) {
                Some(d) => {
                    let items = d
                        .statuses
                        .iter()
                        .rev()
                        .map(|st| shapes::deployment_status(base, r, did, st))
                        .collect();
                    paginate(items, req, base)
                }
                None => Reply::error(404, "Not Found"),
            }
        }
        ("POST", ["deployments", did, "statuses"]) => {
            let did: u64 = did.parse().unwrap_or(0);
            let Some(d) = repo.deployments.iter_mut().find(|d| d.id == did) else {
                return Reply::error(404, "Not Found");
            };
            let state = body.get("state").and_then(Value::as_str).unwrap_or("");
            if ![
                "error",
                "failure",
                "inactive",
                "in_progress",
                "queued",
                "pending",
                "success",
            ]
            .contains(&state)
            {
                return Reply::error(422, "Validation Failed: state is not included in the list");
            }
            let st = DeploymentStatusRec {
                id,
                state: state.to_owned(),
                description: opt_str(&body, "description"),
                environment: str_or(&body, "environment", &d.environment),
                log_url: opt_str(&body, "log_url"),
                environment_url: opt_str(&body, "environment_url"),
                at: now,
            };
            let out = shapes::deployment_status(base, r, did, &st);
            d.statuses.push(st);
            Reply::json(201, out)
        }

        // Workflow dispatch.
        ("POST", ["actions", "workflows", workflow, "dispatches"]) => {
            let Some(git_ref) = body.get("ref").and_then(Value::as_str) else {
                return Reply::error(422, "Invalid request: ref is required");
            };
            if resolve(repo, git_ref).is_none() {
                return Reply::error(422, &format!("No ref found for: {git_ref}"));
            }
            if repo.rejects_run_details && body.get("return_run_details").is_some() {
                return Reply::error(
                    422,
                    "Invalid request.\n\n\"return_run_details\" is not a permitted key.",
                );
            }
            repo.dispatches.push(Dispatch {
                workflow: (*workflow).to_owned(),
                git_ref: git_ref.to_owned(),
                inputs: body.get("inputs").cloned().unwrap_or(json!({})),
                run_id: id,
            });
            if body.get("return_run_details").and_then(Value::as_bool) == Some(true) {
                Reply::json(
                    200,
                    json!({
                        "workflow_run_id": id,
                        "run_url": format!("{base}/repos/{r}/actions/runs/{id}"),
                        "html_url": format!("{base}/html/{r}/actions/runs/{id}")
                    }),
                )
            } else {
                Reply::empty(204)
            }
        }

        _ => Reply::error(404, "Not Found"),
    }
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
