//! The policy file read at the base commit: from local git when the commit
//! is in the checkout, else through the contents API (a 404 is the
//! defaults, a 5xx is retried), and whether the change edits it.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use gate_runtime::api::client::GitHubClient;
use gate_runtime::api::retry::RetryPolicy;
use gate_runtime::api::token::Token;
use gate_runtime::git::Git;
use gate_runtime::policy::{Location, POLICY_PATH, PolicyFile, Via, read};
use gate_runtime::{Repo, block_on};
use test_support::testing::TestRepo;
use test_support::{FakeGitHub, Fault, FaultKind};

const R: &str = "acme/shop";
const BASE: &str = "1111111111111111111111111111111111111111";
const HEAD: &str = "2222222222222222222222222222222222222222";

fn at(at: &str, head: Option<&str>) -> Location {
    Location {
        explicit: None,
        at: Some(at.to_owned()),
        at_from: "the event's base commit".to_owned(),
        head: head.map(str::to_owned),
    }
}

fn client(fake: &FakeGitHub) -> GitHubClient {
    GitHubClient::builder(fake.url())
        .token(Some(Token::new("test-token")))
        .retry_policy(RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(40),
            max_rate_limit_wait: Duration::from_secs(5),
            secondary_limit_wait: Duration::from_millis(300),
            request_timeout: Duration::from_millis(2000),
        })
        .build()
        .unwrap()
}

fn read_api(fake: &FakeGitHub, loc: &Location) -> anyhow::Result<PolicyFile> {
    let outside = tempfile::tempdir().unwrap();
    let repo = Repo::parse(R, "test").unwrap();
    block_on(async {
        let c = client(fake);
        read(loc, &Git::new(outside.path()), Some((&c, &repo))).await
    })
    .unwrap()
}

#[test]
fn local_git_reads_the_base_and_sees_the_head_change_it() {
    let r = TestRepo::new();
    r.write(POLICY_PATH, "[pr-size]\nmax-lines = 100\n");
    let base = r.commit("base");
    r.write(POLICY_PATH, "[pr-size]\nmax-lines = 5000\n");
    let head = r.commit("loosen");
    let git = Git::new(r.path());
    let f = block_on(read(&at(&base, Some(&head)), &git, None))
        .unwrap()
        .unwrap();
    assert_eq!(f.via, Via::LocalGit);
    assert_eq!(f.text.as_deref(), Some("[pr-size]\nmax-lines = 100\n"));
    assert_eq!(f.changed, Some(true));
    assert!(
        f.note().unwrap().contains("the base's copy"),
        "{:?}",
        f.note()
    );
    // The same commit as head: unchanged.
    let f = block_on(read(&at(&head, Some(&head)), &git, None))
        .unwrap()
        .unwrap();
    assert_eq!(f.text.as_deref(), Some("[pr-size]\nmax-lines = 5000\n"));
    assert_eq!(f.changed, None);
}

#[test]
fn no_file_at_the_base_means_the_defaults_but_a_named_one_must_exist() {
    let r = TestRepo::new();
    r.write("a.txt", "a\n");
    let base = r.commit("base");
    let git = Git::new(r.path());
    let f = block_on(read(&at(&base, None), &git, None))
        .unwrap()
        .unwrap();
    assert_eq!(f.text, None);
    assert_eq!(f.note(), None);
    let mut loc = at(&base, None);
    loc.explicit = Some("ci/policy.toml".into());
    let err = block_on(read(&loc, &git, None)).unwrap().unwrap_err();
    assert!(
        format!("{err:#}").contains("--config ci/policy.toml: not found at the base commit"),
        "{err:#}"
    );
}

#[test]
fn the_working_tree_when_no_commit_is_named() {
    let r = TestRepo::new();
    r.write(POLICY_PATH, "[tag]\nprefix = \"r\"\n");
    let loc = Location::default();
    let f = block_on(read(&loc, &Git::new(r.path()), None))
        .unwrap()
        .unwrap();
    assert_eq!(f.via, Via::WorkingTree);
    assert!(f.text.unwrap().contains("prefix"));
    // An absolute --config is read from disk even with a base.
    let abs = r.path().join("elsewhere.toml");
    std::fs::write(&abs, "[tag]\n").unwrap();
    let mut loc = at(BASE, None);
    loc.explicit = Some(abs.to_string_lossy().into_owned());
    let f = block_on(read(&loc, &Git::new(r.path()), None))
        .unwrap()
        .unwrap();
    assert_eq!(f.text.as_deref(), Some("[tag]\n"));
}

#[test]
fn the_contents_api_at_the_base_sha_when_the_checkout_lacks_it() {
    let fake = FakeGitHub::start();
    fake.put_file(R, BASE, POLICY_PATH, b"[pr-size]\nmax-lines = 100\n");
    fake.put_file(R, HEAD, POLICY_PATH, b"[pr-size]\nmax-lines = 100\n");
    let f = read_api(&fake, &at(BASE, Some(HEAD))).unwrap();
    assert_eq!(f.via, Via::ContentsApi);
    assert_eq!(f.text.as_deref(), Some("[pr-size]\nmax-lines = 100\n"));
    assert_eq!(f.changed, Some(false));
    let paths: Vec<String> = fake.requests().iter().map(|r| r.path.clone()).collect();
    assert!(
        paths
            .iter()
            .all(|p| p == "/repos/acme/shop/contents/.github/trunkline.toml"),
        "{paths:?}"
    );
    assert_eq!(paths.len(), 2);
}

#[test]
fn a_404_from_the_contents_api_is_the_defaults() {
    let fake = FakeGitHub::start();
    fake.put_file(R, HEAD, POLICY_PATH, b"[pr-size]\nmax-lines = 9000\n");
    let f = read_api(&fake, &at(BASE, Some(HEAD))).unwrap();
    assert_eq!(f.text, None);
    // The change adds the file: the report says so.
    assert_eq!(f.changed, Some(true));
    assert!(
        f.note().unwrap().contains("(none: the defaults)"),
        "{:?}",
        f.note()
    );
}

#[test]
fn a_5xx_is_retried_and_one_that_stays_is_an_error() {
    let fake = FakeGitHub::start();
    fake.put_file(R, BASE, POLICY_PATH, b"[tag]\n");
    fake.fail_next(2, 502);
    let f = read_api(&fake, &at(BASE, None)).unwrap();
    assert_eq!(f.text.as_deref(), Some("[tag]\n"));
    assert_eq!(fake.requests().len(), 3);

    fake.inject(Fault::new(FaultKind::Status(503), 10).on_path("contents"));
    let err = read_api(&fake, &at(BASE, None)).unwrap_err();
    let msg = format!("{err:#}");
    assert!(
        msg.contains("reading .github/trunkline.toml at 111111111111 through the contents API"),
        "{msg}"
    );
    assert!(
        msg.contains("the event's base commit 111111111111"),
        "{msg}"
    );
}
