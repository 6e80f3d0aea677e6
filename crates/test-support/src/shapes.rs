//! JSON bodies in the shapes GitHub returns and octocrab's models expect.
//!
//! Every URL field octocrab types as `Url` must parse, and every field it
//! does not wrap in `Option` must be present; the deserialisation tests in
//! this crate hold the fake to that.

use serde_json::{Value, json};

use crate::state::{Comment, Commit, Deployment, DeploymentStatusRec, FileChange, Pull, Release};

pub(crate) fn rfc3339(epoch: u64) -> String {
    // Civil-from-days (Howard Hinnant), enough for timestamps in a fake.
    let days = (epoch / 86_400) as i64;
    let secs = epoch % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

pub(crate) fn user(base: &str, login: &str) -> Value {
    let u = format!("{base}/users/{login}");
    let kind = if login.ends_with("[bot]") {
        "Bot"
    } else {
        "User"
    };
    json!({
        "login": login, "id": login.len() as u64 * 1000 + 7, "node_id": format!("U_{login}"),
        "avatar_url": format!("{base}/avatars/{login}"), "gravatar_id": "",
        "url": u, "html_url": format!("{base}/html/{login}"),
        "followers_url": format!("{u}/followers"), "following_url": format!("{u}/following"),
        "gists_url": format!("{u}/gists"), "starred_url": format!("{u}/starred"),
        "subscriptions_url": format!("{u}/subscriptions"), "organizations_url": format!("{u}/orgs"),
        "repos_url": format!("{u}/repos"), "events_url": format!("{u}/events"),
        "received_events_url": format!("{u}/received_events"), "type": kind, "site_admin": false
    })
}

pub(crate) fn repo(base: &str, full: &str, default_branch: &str) -> Value {
    let (owner, name) = full.split_once('/').unwrap_or((full, full));
    json!({
        "id": full.len() as u64 * 31 + 1, "node_id": format!("R_{full}"), "name": name,
        "full_name": full, "private": false, "owner": user(base, owner),
        "url": format!("{base}/repos/{full}"), "html_url": format!("{base}/html/{full}"),
        "default_branch": default_branch
    })
}

fn pr_side(
    base: &str,
    full: &str,
    default_branch: &str,
    git_ref: &str,
    sha: &str,
    login: &str,
) -> Value {
    json!({
        "label": format!("{login}:{git_ref}"), "ref": git_ref, "sha": sha,
        "user": user(base, login), "repo": repo(base, full, default_branch)
    })
}

pub(crate) fn pull(base: &str, full: &str, default_branch: &str, p: &Pull) -> Value {
    let owner = full.split('/').next().unwrap_or(full);
    let url = format!("{base}/repos/{full}/pulls/{}", p.number);
    json!({
        "url": url, "id": 1_000_000 + p.number, "node_id": format!("PR_{}", p.number),
        "html_url": format!("{base}/html/{full}/pull/{}", p.number),
        "number": p.number, "state": p.state, "locked": false, "title": p.title,
        "user": user(base, &p.user), "body": p.body, "labels": p.labels.iter().map(|l| label(base, full, l)).collect::<Vec<_>>(),
        "created_at": p.created_at, "updated_at": p.created_at,
        "closed_at": Value::Null, "merged_at": p.merged_at,
        "draft": p.draft,
        "head": pr_side(base, full, default_branch, &p.head_ref, &p.head_sha, &p.user),
        "base": pr_side(base, full, default_branch, &p.base_ref, &p.base_sha, owner),
        "additions": p.additions(), "deletions": p.deletions(), "changed_files": p.files.len(),
        "commits": 1, "comments": 0, "review_comments": 0, "maintainer_can_modify": false,
        "merged": p.merged_at.is_some(), "mergeable": true, "author_association": "MEMBER"
    })
}

pub(crate) fn file(base: &str, full: &str, f: &FileChange) -> Value {
    let mut v = json!({
        "sha": format!("{:040x}", f.filename.len()), "filename": f.filename, "status": f.status,
        "additions": f.additions, "deletions": f.deletions, "changes": f.additions + f.deletions,
        "blob_url": format!("{base}/html/{full}/blob/{}", f.filename),
        "raw_url": format!("{base}/html/{full}/raw/{}", f.filename),
        "contents_url": format!("{base}/repos/{full}/contents/{}", f.filename),
    });
    if let Some(prev) = &f.previous_filename {
        v["previous_filename"] = json!(prev);
    }
    if let Some(patch) = &f.patch {
        v["patch"] = json!(patch);
    }
    v
}

pub(crate) fn comment(base: &str, full: &str, issue: u64, c: &Comment) -> Value {
    json!({
        "id": c.id, "node_id": format!("IC_{}", c.id),
        "url": format!("{base}/repos/{full}/issues/comments/{}", c.id),
        "html_url": format!("{base}/html/{full}/pull/{issue}#issuecomment-{}", c.id),
        "issue_url": format!("{base}/repos/{full}/issues/{issue}"),
        "body": c.body, "user": user(base, &c.user),
        "created_at": rfc3339(c.created_at), "updated_at": rfc3339(c.updated_at),
        "author_association": "NONE"
    })
}

pub(crate) fn label(base: &str, full: &str, name: &str) -> Value {
    json!({
        "id": name.len() as u64 * 97 + 3, "node_id": format!("L_{name}"),
        "url": format!("{base}/repos/{full}/labels/{}", name.replace(' ', "%20")),
        "name": name, "color": "ededed", "default": false, "description": Value::Null
    })
}

pub(crate) fn status(base: &str, full: &str, id: u64, s: &crate::state::StatusRec) -> Value {
    json!({
        "id": id, "node_id": format!("S_{id}"),
        "url": format!("{base}/repos/{full}/statuses/{}", s.sha),
        "state": s.state, "context": s.context, "description": s.description,
        "target_url": s.target_url, "created_at": rfc3339(s.at), "updated_at": rfc3339(s.at),
        "creator": user(base, "github-actions[bot]")
    })
}

pub(crate) fn git_ref(base: &str, full: &str, name: &str, sha: &str, kind: &str) -> Value {
    json!({
        "ref": format!("refs/{name}"), "node_id": format!("REF_{name}"),
        "url": format!("{base}/repos/{full}/git/refs/{name}"),
        "object": {"type": kind, "sha": sha, "url": format!("{base}/repos/{full}/git/{kind}s/{sha}")}
    })
}

pub(crate) fn annotated_tag(base: &str, full: &str, t: &crate::state::TagObject) -> Value {
    json!({
        "node_id": format!("TAG_{}", t.sha), "tag": t.tag, "sha": t.sha,
        "url": format!("{base}/repos/{full}/git/tags/{}", t.sha), "message": t.message,
        "tagger": {"name": "github-actions[bot]", "email": "actions@github.invalid", "date": rfc3339(t.at)},
        "object": {"type": "commit", "sha": t.object, "url": format!("{base}/repos/{full}/git/commits/{}", t.object)},
        "verification": {"verified": false, "reason": "unsigned", "signature": Value::Null, "payload": Value::Null}
    })
}

pub(crate) fn tag_listing(base: &str, full: &str, name: &str, sha: &str) -> Value {
    json!({
        "name": name, "node_id": format!("T_{name}"),
        "commit": {"sha": sha, "url": format!("{base}/repos/{full}/commits/{sha}")},
        "zipball_url": format!("{base}/repos/{full}/zipball/{name}"),
        "tarball_url": format!("{base}/repos/{full}/tarball/{name}")
    })
}

pub(crate) fn commit(base: &str, full: &str, c: &Commit) -> Value {
    let person = |name: &str| json!({"name": name, "email": format!("{}@example.invalid", name.replace(' ', ".")), "date": rfc3339(c.at)});
    json!({
        "url": format!("{base}/repos/{full}/commits/{}", c.sha), "sha": c.sha,
        "node_id": format!("C_{}", c.sha), "html_url": format!("{base}/html/{full}/commit/{}", c.sha),
        "comments_url": format!("{base}/repos/{full}/commits/{}/comments", c.sha),
        "commit": {
            "url": format!("{base}/repos/{full}/git/commits/{}", c.sha),
            "author": person(&c.author), "committer": person(&c.author),
            "message": c.message, "comment_count": 0,
            "tree": {"sha": format!("{:040x}", c.at), "url": format!("{base}/repos/{full}/git/trees/{:040x}", c.at)},
            "verification": {"verified": false, "reason": "unsigned", "signature": Value::Null, "payload": Value::Null}
        },
        "author": user(base, &c.author.replace(' ', "-")), "committer": user(base, &c.author.replace(' ', "-")),
        "parents": c.parents.iter().map(|p| json!({
            "sha": p, "url": format!("{base}/repos/{full}/commits/{p}"), "html_url": format!("{base}/html/{full}/commit/{p}")
        })).collect::<Vec<_>>()
    })
}

pub(crate) fn content(
    base: &str,
    full: &str,
    path: &str,
    sha: &str,
    bytes: &[u8],
    encoded: &str,
) -> Value {
    let name = path.rsplit('/').next().unwrap_or(path);
    json!({
        "type": "file", "encoding": "base64", "size": bytes.len(), "name": name, "path": path,
        "content": encoded, "sha": sha,
        "url": format!("{base}/repos/{full}/contents/{path}"),
        "git_url": format!("{base}/repos/{full}/git/blobs/{sha}"),
        "html_url": format!("{base}/html/{full}/blob/main/{path}"),
        "download_url": format!("{base}/raw/{full}/{path}"),
        "_links": {
            "self": format!("{base}/repos/{full}/contents/{path}"),
            "git": format!("{base}/repos/{full}/git/blobs/{sha}"),
            "html": format!("{base}/html/{full}/blob/main/{path}")
        }
    })
}

pub(crate) fn release(base: &str, full: &str, r: &Release) -> Value {
    json!({
        "url": format!("{base}/repos/{full}/releases/{}", r.id),
        "html_url": format!("{base}/html/{full}/releases/tag/{}", r.tag_name),
        "assets_url": format!("{base}/repos/{full}/releases/{}/assets", r.id),
        "upload_url": format!("{base}/uploads/{full}/releases/{}/assets{{?name,label}}", r.id),
        "tarball_url": Value::Null, "zipball_url": Value::Null,
        "id": r.id, "node_id": format!("RE_{}", r.id), "tag_name": r.tag_name,
        "target_commitish": r.target_commitish, "name": r.name, "body": r.body,
        "draft": r.draft, "prerelease": r.prerelease, "created_at": rfc3339(r.at),
        "published_at": rfc3339(r.at), "author": user(base, "github-actions[bot]"), "assets": []
    })
}

pub(crate) fn deployment(base: &str, full: &str, d: &Deployment) -> Value {
    json!({
        "url": format!("{base}/repos/{full}/deployments/{}", d.id), "id": d.id,
        "node_id": format!("DE_{}", d.id), "sha": d.sha, "ref": d.git_ref, "task": d.task,
        "payload": d.payload, "original_environment": d.environment, "environment": d.environment,
        "description": d.description, "creator": user(base, "github-actions[bot]"),
        "created_at": rfc3339(d.at), "updated_at": rfc3339(d.at),
        "statuses_url": format!("{base}/repos/{full}/deployments/{}/statuses", d.id),
        "repository_url": format!("{base}/repos/{full}"),
        "transient_environment": false, "production_environment": d.environment == "production"
    })
}

pub(crate) fn deployment_status(
    base: &str,
    full: &str,
    deployment_id: u64,
    s: &DeploymentStatusRec,
) -> Value {
    json!({
        "url": format!("{base}/repos/{full}/deployments/{deployment_id}/statuses/{}", s.id),
        "id": s.id, "node_id": format!("DS_{}", s.id), "state": s.state,
        "creator": user(base, "github-actions[bot]"), "description": s.description,
        "environment": s.environment, "target_url": s.log_url, "log_url": s.log_url,
        "environment_url": s.environment_url,
        "created_at": rfc3339(s.at), "updated_at": rfc3339(s.at),
        "deployment_url": format!("{base}/repos/{full}/deployments/{deployment_id}"),
        "repository_url": format!("{base}/repos/{full}")
    })
}

/// A git-level commit object, as the contents API returns it.
pub(crate) fn git_commit(base: &str, full: &str, c: &Commit) -> Value {
    let person =
        json!({"name": c.author, "email": "actions@github.invalid", "date": rfc3339(c.at)});
    json!({
        "sha": c.sha, "node_id": format!("C_{}", c.sha),
        "url": format!("{base}/repos/{full}/git/commits/{}", c.sha),
        "html_url": format!("{base}/html/{full}/commit/{}", c.sha),
        "author": person, "committer": person, "message": c.message,
        "tree": {"sha": format!("{:040x}", c.at), "url": format!("{base}/repos/{full}/git/trees/{:040x}", c.at)},
        "parents": c.parents.iter().map(|p| json!({
            "sha": p, "url": format!("{base}/repos/{full}/git/commits/{p}"), "html_url": format!("{base}/html/{full}/commit/{p}")
        })).collect::<Vec<_>>(),
        "verification": {"verified": false, "reason": "unsigned", "signature": Value::Null, "payload": Value::Null}
    })
}
