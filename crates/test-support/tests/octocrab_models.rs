//! The fake's responses deserialise into octocrab's own model types, so a
//! gate that uses those types sees the same shapes from the fake as from
//! GitHub. Where octocrab has a typed call for an endpoint, the typed call
//! itself is used.

// Tests may unwrap and print: the lints apply outside tests only.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

use octocrab::Octocrab;
use octocrab::models;
use serde_json::{Value, json};
use test_support::{FakeGitHub, FileChange, Pull};

const R: &str = "acme/shop";

fn seeded() -> FakeGitHub {
    let fake = FakeGitHub::start();
    fake.add_repo(R, "main");
    fake.add_commit(R, "1111111111111111111111111111111111111111", "init", &[]);
    fake.add_commit(
        R,
        "2222222222222222222222222222222222222222",
        "feat: more",
        &["1111111111111111111111111111111111111111"],
    );
    fake.set_ref(R, "heads/main", "2222222222222222222222222222222222222222");
    fake.set_ref(R, "tags/v0.1.0", "1111111111111111111111111111111111111111");
    let mut pr = Pull::new(7, "octocat");
    pr.body = None;
    pr.files = vec![FileChange::modified("src/lib.rs", 10, 2)];
    fake.add_pull(R, pr);
    fake.add_comment(R, 7, "octocat", "hello");
    fake.add_deployment(
        R,
        "2222222222222222222222222222222222222222",
        "main",
        "staging",
        &["in_progress", "success"],
    );
    fake.put_file(R, "trunkline-data", "coverage/baseline.json", b"{}");
    fake
}

fn client(fake: &FakeGitHub) -> Octocrab {
    Octocrab::builder()
        .base_uri(fake.url())
        .unwrap()
        .personal_token("test-token".to_owned())
        .build()
        .unwrap()
}

#[tokio::test]
async fn typed_calls_deserialise() {
    let fake = seeded();
    let octo = client(&fake);

    let pr = octo.pulls("acme", "shop").get(7).await.unwrap();
    assert_eq!(pr.number, 7);
    assert_eq!(pr.body, None);
    assert_eq!(pr.head.ref_field, "feature-7");

    let files = octo.pulls("acme", "shop").list_files(7).await.unwrap();
    assert_eq!(files.items[0].filename, "src/lib.rs");
    assert_eq!(files.items[0].changes, 12);

    let pulls = octo
        .pulls("acme", "shop")
        .list()
        .state(octocrab::params::State::All)
        .send()
        .await
        .unwrap();
    assert_eq!(pulls.items.len(), 1);

    let comments = octo
        .issues("acme", "shop")
        .list_comments(7)
        .send()
        .await
        .unwrap();
    assert_eq!(comments.items[0].body.as_deref(), Some("hello"));

    let created = octo
        .issues("acme", "shop")
        .create_comment(7, "second")
        .await
        .unwrap();
    let updated = octo
        .issues("acme", "shop")
        .update_comment(created.id, "second, edited")
        .await
        .unwrap();
    assert_eq!(updated.body.as_deref(), Some("second, edited"));
    octo.issues("acme", "shop")
        .delete_comment(created.id)
        .await
        .unwrap();

    let labels = octo
        .issues("acme", "shop")
        .add_labels(7, &["size/M".to_owned()])
        .await
        .unwrap();
    assert_eq!(labels[0].name, "size/M");
    octo.issues("acme", "shop")
        .remove_label(7, "size/M")
        .await
        .unwrap();

    let tags = octo.repos("acme", "shop").list_tags().send().await.unwrap();
    assert_eq!(tags.items[0].name, "v0.1.0");

    let commit = octo
        .commits("acme", "shop")
        .get("2222222222222222222222222222222222222222")
        .await
        .unwrap();
    assert_eq!(commit.sha, "2222222222222222222222222222222222222222");

    let cmp = octo
        .commits("acme", "shop")
        .compare("v0.1.0", "main")
        .send()
        .await
        .unwrap();
    assert_eq!(cmp.ahead_by, 1);
    assert!(matches!(
        cmp.status,
        models::commits::GithubCommitStatus::Ahead
    ));

    let content = octo
        .repos("acme", "shop")
        .get_content()
        .path("coverage/baseline.json")
        .r#ref("trunkline-data")
        .send()
        .await
        .unwrap();
    assert_eq!(content.items[0].decoded_content().as_deref(), Some("{}"));

    let release = octo
        .repos("acme", "shop")
        .releases()
        .create("v0.2.0")
        .send()
        .await
        .unwrap();
    let fetched = octo
        .repos("acme", "shop")
        .releases()
        .get_by_tag("v0.2.0")
        .await
        .unwrap();
    assert_eq!(release.id, fetched.id);
}

#[tokio::test]
async fn raw_endpoints_deserialise_into_models() {
    let fake = seeded();
    let octo = client(&fake);

    let r: models::repos::Ref = octo
        .post(
            "/repos/acme/shop/git/refs",
            Some(&json!({"ref": "refs/tags/v0.2.0", "sha": "2222222222222222222222222222222222222222"})),
        )
        .await
        .unwrap();
    assert_eq!(r.ref_field, "refs/tags/v0.2.0");
    let r: models::repos::Ref = octo
        .get("/repos/acme/shop/git/ref/tags/v0.2.0", None::<&()>)
        .await
        .unwrap();
    assert!(matches!(r.object, models::repos::Object::Commit { .. }));

    let tag: models::repos::GitTag = octo
        .post(
            "/repos/acme/shop/git/tags",
            Some(&json!({"tag": "v0.3.0", "message": "v0.3.0", "object": "2222222222222222222222222222222222222222", "type": "commit"})),
        )
        .await
        .unwrap();
    assert_eq!(tag.tag, "v0.3.0");

    let status: models::Status = octo
        .post(
            "/repos/acme/shop/statuses/2222222222222222222222222222222222222222",
            Some(&json!({"state": "success", "context": "checklist"})),
        )
        .await
        .unwrap();
    assert_eq!(status.state, models::StatusState::Success);

    let deployments: Vec<models::repos::Deployment> = octo
        .get(
            "/repos/acme/shop/deployments?environment=staging",
            None::<&()>,
        )
        .await
        .unwrap();
    assert_eq!(deployments.len(), 1);
    let statuses: Vec<models::repos::DeploymentStatus> = octo
        .get(
            format!(
                "/repos/acme/shop/deployments/{}/statuses",
                deployments[0].id
            ),
            None::<&()>,
        )
        .await
        .unwrap();
    assert_eq!(statuses.len(), 2);
    let created: models::repos::DeploymentStatus = octo
        .post(
            format!(
                "/repos/acme/shop/deployments/{}/statuses",
                deployments[0].id
            ),
            Some(&json!({"state": "failure", "description": "breach"})),
        )
        .await
        .unwrap();
    assert_eq!(created.description.as_deref(), Some("breach"));

    let update: models::repos::FileUpdate = octo
        .put(
            "/repos/acme/shop/contents/coverage/new.json",
            Some(&json!({"message": "baseline", "content": "e30=", "branch": "trunkline-data"})),
        )
        .await
        .unwrap();
    assert_eq!(update.content.path, "coverage/new.json");

    let labels: Vec<models::Label> = octo
        .get("/repos/acme/shop/labels", None::<&()>)
        .await
        .unwrap();
    assert!(labels.is_empty());

    let dispatch: Value = octo
        .post(
            "/repos/acme/shop/actions/workflows/rollback.yml/dispatches",
            Some(&json!({"ref": "main", "inputs": {"tag": "v0.1.0"}, "return_run_details": true})),
        )
        .await
        .unwrap();
    assert!(dispatch["workflow_run_id"].as_u64().is_some());
    assert_eq!(fake.repo(R).dispatches[0].inputs["tag"], "v0.1.0");
}

#[tokio::test]
async fn reference_already_exists_is_a_422() {
    let fake = seeded();
    let octo = client(&fake);
    let err = octo
        .post::<_, models::repos::Ref>(
            "/repos/acme/shop/git/refs",
            Some(&json!({"ref": "refs/tags/v0.1.0", "sha": "2222222222222222222222222222222222222222"})),
        )
        .await
        .unwrap_err();
    let octocrab::Error::GitHub { source, .. } = err else {
        panic!("expected a GitHub error, got {err:?}")
    };
    assert_eq!(source.status_code.as_u16(), 422);
    assert_eq!(source.message, "Reference already exists");
}

#[tokio::test]
async fn pull_files_stop_at_three_thousand() {
    let fake = FakeGitHub::start();
    let mut pr = Pull::new(1, "octocat");
    pr.files = (0..3001)
        .map(|i| FileChange::modified(&format!("f{i}.txt"), 1, 0))
        .collect();
    fake.add_pull(R, pr);
    let octo = client(&fake);
    let first = octo.pulls("acme", "shop").list_files(1).await.unwrap();
    let all = octo.all_pages(first).await.unwrap();
    assert_eq!(all.len(), test_support::PULL_FILES_CAP);
    let pr = octo.pulls("acme", "shop").get(1).await.unwrap();
    assert_eq!(pr.changed_files, Some(3001));
}
