//! The event payload (`GITHUB_EVENT_PATH`), read as the runtime reads it:
//! JSON, then a name (inferred when none is given), then the typed event.
//! A payload can be a pull request's, so partly the author's text.

use gate_runtime::context::Repo;
use gate_runtime::event::Event;
use serde_json::Value;

/// The names the runtime types, and one it keeps as raw JSON.
const NAMES: [&str; 9] = [
    "pull_request",
    "pull_request_target",
    "push",
    "workflow_run",
    "deployment",
    "deployment_status",
    "workflow_dispatch",
    "merge_group",
    "release",
];

pub(crate) fn event(data: &[u8]) {
    let Ok(payload) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let inferred = Event::infer_name(&payload);
    for name in inferred.iter().chain(NAMES.iter()) {
        let Ok(event) = Event::parse(name, payload.clone()) else {
            continue;
        };
        assert_eq!(event.name(), *name);
        let _ = event.subject_sha();
        let _ = event.deployment();
        if let Some(pr) = event.pull_request() {
            let _ = (pr.number, pr.body.as_deref(), &pr.base.sha, &pr.head.sha);
        }
        if let Some(repo) = event.repository()
            && let Ok(r) = Repo::parse(&repo.full_name, "the event's repository.full_name")
        {
            let again = Repo::parse(&r.full_name(), "again").ok();
            assert_eq!(again.as_ref(), Some(&r), "owner/name round trip");
        }
        if let Event::WorkflowDispatch(e) = &event {
            for key in e.inputs.keys() {
                let _ = e.input(key);
            }
        }
    }
}
