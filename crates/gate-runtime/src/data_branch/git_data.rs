//! A data branch through the Git Data API: no checkout, no push
//! credentials, only the job's token with `contents: write`.
//!
//! Blobs, trees and commits are content-addressed, so retrying their
//! creation after a lost answer is safe. The ref moves with `force: false`:
//! GitHub refuses an update that is not a fast-forward (422), and that is
//! the compare-and-swap. References:
//! <https://docs.github.com/en/rest/git/blobs>,
//! <https://docs.github.com/en/rest/git/trees>,
//! <https://docs.github.com/en/rest/git/commits>,
//! <https://docs.github.com/en/rest/git/refs>.

use std::collections::BTreeMap;

use base64::Engine as _;
use http::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Backend, Change, Snapshot, Tip, Updated};
use crate::api::client::{ApiError, GitHubClient, WriteOutcome, encode_path};
use crate::context::Repo;

/// A branch of a repository, reached through the API.
#[derive(Debug, Clone, Copy)]
pub struct GitDataBranch<'a> {
    pub client: &'a GitHubClient,
    pub repo: &'a Repo,
    pub branch: &'a str,
}

#[derive(Debug, Deserialize)]
struct Sha {
    sha: String,
}

#[derive(Debug, Deserialize)]
struct RefObject {
    object: Sha,
}

#[derive(Debug, Deserialize)]
struct CommitObject {
    tree: Sha,
}

#[derive(Debug, Deserialize)]
struct TreeItem {
    path: String,
    #[serde(rename = "type")]
    kind: String,
    sha: String,
}

#[derive(Debug, Deserialize)]
struct TreeObject {
    tree: Vec<TreeItem>,
    #[serde(default)]
    truncated: bool,
}

#[derive(Debug, Deserialize)]
struct BlobObject {
    content: String,
    #[serde(default)]
    encoding: Option<String>,
}

impl GitDataBranch<'_> {
    fn git(&self, rest: &str) -> String {
        format!("{}/git/{rest}", self.repo.api_path())
    }

    /// The branch's files, and the contents of those in `read`.
    pub async fn snapshot(&self, read: &[&str]) -> anyhow::Result<Snapshot> {
        super::snapshot(self, read).await
    }

    /// A blob's bytes, by the id a [`Snapshot`] lists.
    pub async fn read_blob(&self, id: &str) -> anyhow::Result<Vec<u8>> {
        self.read(id).await
    }

    /// Plans a change against the tip and commits it by compare-and-swap,
    /// rebuilding on the new tip when another writer won; see
    /// `super::update`. A 403 (a fork's read-only token) comes back as the
    /// [`ApiError`] inside the error.
    pub async fn update(
        &self,
        read: &[&str],
        plan: impl FnMut(&Snapshot) -> anyhow::Result<Option<Change>>,
    ) -> anyhow::Result<Updated> {
        super::update(self, read, plan).await
    }

    fn conflict(e: &ApiError) -> bool {
        // 422: "Update is not a fast forward", "Reference does not exist"
        // (deleted meanwhile), "Reference already exists" (created
        // meanwhile); 409: the ref is being updated.
        matches!(e.status(), Some(409 | 422))
    }
}

impl Backend for GitDataBranch<'_> {
    fn name(&self) -> String {
        format!("{} branch {}", self.repo.full_name(), self.branch)
    }

    fn dry_run(&self) -> bool {
        self.client.is_dry_run()
    }

    async fn tip(&self) -> anyhow::Result<Option<Tip>> {
        let path = self.git(&format!("ref/heads/{}", encode_path(self.branch)));
        let Some(r) = self.client.get_optional::<RefObject>(&path).await? else {
            return Ok(None);
        };
        let commit = r.object.sha;
        let c: CommitObject = self
            .client
            .get(&self.git(&format!("commits/{commit}")))
            .await?;
        Ok(Some(Tip {
            commit,
            tree: c.tree.sha,
        }))
    }

    async fn files(&self, tip: &Tip) -> anyhow::Result<BTreeMap<String, String>> {
        let path = self.git(&format!("trees/{}?recursive=1", tip.tree));
        let t: TreeObject = self.client.get(&path).await?;
        if t.truncated {
            anyhow::bail!(
                "{}: GitHub truncated the listing of tree {} (over 100,000 entries or 7 MB); keep fewer records",
                self.name(),
                tip.tree
            );
        }
        Ok(t.tree
            .into_iter()
            .filter(|i| i.kind == "blob")
            .map(|i| (i.path, i.sha))
            .collect())
    }

    async fn read(&self, blob: &str) -> anyhow::Result<Vec<u8>> {
        let path = self.git(&format!("blobs/{blob}"));
        let b: BlobObject = self.client.get(&path).await?;
        if b.encoding.as_deref().is_some_and(|e| e != "base64") {
            return Ok(b.content.into_bytes());
        }
        base64::engine::general_purpose::STANDARD
            .decode(b.content.replace(['\n', '\r'], ""))
            .map_err(|e| anyhow::anyhow!("GET {path}: the content is not Base64: {e}"))
    }

    async fn put_blob(&self, bytes: &[u8]) -> anyhow::Result<String> {
        let body = json!({
            "content": base64::engine::general_purpose::STANDARD.encode(bytes),
            "encoding": "base64",
        });
        done(
            self.client
                .write::<Sha>(Method::POST, &self.git("blobs"), Some(body))
                .await?,
        )
    }

    async fn commit(
        &self,
        tip: Option<&Tip>,
        puts: &[(String, String)],
        deletes: &[String],
        message: &str,
    ) -> anyhow::Result<String> {
        let mut entries: Vec<Value> = puts
            .iter()
            .map(|(path, sha)| json!({"path": path, "mode": "100644", "type": "blob", "sha": sha}))
            .collect();
        entries.extend(
            deletes
                .iter()
                .map(|path| json!({"path": path, "mode": "100644", "type": "blob", "sha": null})),
        );
        let mut tree = json!({ "tree": entries });
        if let Some(t) = tip {
            tree["base_tree"] = json!(t.tree);
        }
        let tree = done(
            self.client
                .write::<Sha>(Method::POST, &self.git("trees"), Some(tree))
                .await?,
        )?;
        let parents: Vec<&str> = tip.map(|t| t.commit.as_str()).into_iter().collect();
        let body = json!({"message": message, "tree": tree, "parents": parents});
        done(
            self.client
                .write::<Sha>(Method::POST, &self.git("commits"), Some(body))
                .await?,
        )
    }

    async fn swap(&self, old: Option<&str>, new: &str) -> anyhow::Result<bool> {
        let result = match old {
            Some(_) => {
                let path = self.git(&format!("refs/heads/{}", encode_path(self.branch)));
                self.client
                    .write::<Value>(
                        Method::PATCH,
                        &path,
                        Some(json!({"sha": new, "force": false})),
                    )
                    .await
            }
            None => {
                let body = json!({"ref": format!("refs/heads/{}", self.branch), "sha": new});
                self.client
                    .write::<Value>(Method::POST, &self.git("refs"), Some(body))
                    .await
            }
        };
        match result {
            Ok(_) => Ok(true),
            Err(e) if Self::conflict(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    async fn print_plan(&self, snapshot: &Snapshot, change: &Change) -> anyhow::Result<()> {
        // Through the client's write door, which prints instead of sending;
        // the bodies are summaries (a record can be megabytes).
        for (path, bytes) in &change.puts {
            let body = json!({"encoding": "base64", "content": format!("({} bytes: {path})", bytes.len())});
            self.client
                .write::<Value>(Method::POST, &self.git("blobs"), Some(body))
                .await?;
        }
        let mut entries: Vec<Value> = change
            .puts
            .iter()
            .map(|(path, _)| json!({"path": path, "mode": "100644", "type": "blob", "sha": "(new blob)"}))
            .collect();
        entries.extend(
            change
                .deletes
                .iter()
                .filter(|p| snapshot.files.contains_key(*p))
                .map(|path| json!({"path": path, "sha": null})),
        );
        let mut tree = json!({ "tree": entries });
        if let Some(t) = &snapshot.tip {
            tree["base_tree"] = json!(t.tree);
        }
        self.client
            .write::<Value>(Method::POST, &self.git("trees"), Some(tree))
            .await?;
        let parents: Vec<&str> = snapshot.tip.iter().map(|t| t.commit.as_str()).collect();
        self.client
            .write::<Value>(
                Method::POST,
                &self.git("commits"),
                Some(json!({"message": change.message, "tree": "(new tree)", "parents": parents})),
            )
            .await?;
        match &snapshot.tip {
            Some(_) => {
                let path = self.git(&format!("refs/heads/{}", encode_path(self.branch)));
                self.client
                    .write::<Value>(
                        Method::PATCH,
                        &path,
                        Some(json!({"sha": "(new commit)", "force": false})),
                    )
                    .await?;
            }
            None => {
                let body =
                    json!({"ref": format!("refs/heads/{}", self.branch), "sha": "(new commit)"});
                self.client
                    .write::<Value>(Method::POST, &self.git("refs"), Some(body))
                    .await?;
            }
        }
        Ok(())
    }
}

fn done(outcome: WriteOutcome<Sha>) -> anyhow::Result<String> {
    outcome
        .into_done()
        .map(|s| s.sha)
        .ok_or_else(|| anyhow::anyhow!("internal: a dry run reached a data-branch write"))
}
