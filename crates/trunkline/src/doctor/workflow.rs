//! Workflow files as doctor reads them: their triggers, top-level
//! permissions, every `uses:`, and above all the check names their jobs
//! report, because a required check is matched by name alone.
//!
//! The name of a job's check run is its `name:` (else its id). A matrix
//! job's name gets the combination's values appended, `test (ubuntu, 18)`,
//! unless the name holds an expression, which is then evaluated instead;
//! values of an object in the matrix are each listed, empty ones left out,
//! and a name longer than 100 characters is cut to 97 and `...`
//! (ChristopherHX/runner.server#78, facebookresearch/fairchem#2059). A job
//! that calls a reusable workflow reports each of the callee's jobs as
//! `caller / callee`, so moving a job into a reusable workflow renames its
//! check. Whatever cannot be worked out from the file (an expression over
//! inputs, a matrix from `fromJSON`, a remote callee doctor cannot read)
//! becomes a `*` in the name, which matches anything.

use std::collections::BTreeMap;

use yaml_rust2::{Yaml, YamlLoader};

/// The Trunkline gates that report on pull requests, by action directory.
pub(crate) const PR_GATES: [&str; 3] = ["pr-size-gate", "checklist-gate", "coverage-gate"];

/// GitHub cuts a check name here.
const NAME_LIMIT: usize = 100;

/// How deep reusable workflows nest on GitHub; deeper is a cycle.
const MAX_NESTING: usize = 10;

/// A check name as far as the file shows it: `*` stands for what it does
/// not.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct CheckName {
    pub(crate) text: String,
    pub(crate) exact: bool,
}

impl CheckName {
    fn exact(text: String) -> Self {
        Self { text, exact: true }
    }

    /// Whether a required name could be this one.
    pub(crate) fn matches(&self, name: &str) -> bool {
        if self.exact {
            return self.text == name;
        }
        wildcard_match(&self.text, name)
    }
}

impl std::fmt::Display for CheckName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// `*` matches any run of characters; nothing else is special.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, rest) = match parts.split_first() {
        Some(x) => x,
        None => return text.is_empty(),
    };
    let Some(mut remaining) = text.strip_prefix(first) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return remaining.is_empty();
    };
    for part in middle {
        match remaining.find(part) {
            Some(i) => remaining = &remaining[i + part.len()..],
            None => return false,
        }
    }
    remaining.ends_with(last)
}

/// Top-level `permissions:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Permissions {
    Missing,
    /// `permissions: {}`.
    Empty,
    /// Anything else, as written.
    Other(String),
}

/// A `uses:` and the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Uses {
    pub(crate) value: String,
    pub(crate) line: Option<usize>,
}

impl Uses {
    /// Pinned: a local path, a docker image by digest, or an action or
    /// reusable workflow at a full commit SHA.
    pub(crate) fn is_pinned(&self) -> bool {
        let v = self.value.as_str();
        if v.starts_with("./") {
            return true;
        }
        if let Some(image) = v.strip_prefix("docker://") {
            return image.contains("@sha256:");
        }
        v.rsplit_once('@').is_some_and(|(_, rev)| {
            (rev.len() == 40 || rev.len() == 64) && rev.chars().all(|c| c.is_ascii_hexdigit())
        })
    }
}

/// One step.
#[derive(Debug, Clone, Default)]
pub(crate) struct Step {
    pub(crate) uses: Option<String>,
    pub(crate) with: BTreeMap<String, String>,
    pub(crate) run: Option<String>,
}

/// One job.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    matrix: Option<Yaml>,
    /// A reusable workflow this job calls.
    pub(crate) uses: Option<String>,
    pub(crate) steps: Vec<Step>,
    /// The job-level `if:`.
    pub(crate) condition: Option<String>,
    pub(crate) needs: Vec<String>,
    /// The environment the job deploys to (`environment:` or its `name:`).
    pub(crate) environment: Option<String>,
}

impl Job {
    /// The PR gate this job runs, if any.
    pub(crate) fn gate(&self) -> Option<&'static str> {
        self.steps
            .iter()
            .filter_map(|s| s.uses.as_deref())
            .find_map(gate_of)
    }
}

/// The gate an action reference runs: `*/actions/<gate>@...` or a local
/// `./actions/<gate>`.
pub(crate) fn gate_of(uses: &str) -> Option<&'static str> {
    let path = uses.split('@').next().unwrap_or(uses);
    PR_GATES
        .into_iter()
        .find(|g| path.ends_with(&format!("actions/{g}")))
}

/// How a workflow is triggered.
#[derive(Debug, Clone, Default)]
pub(crate) struct Triggers {
    pub(crate) events: Vec<String>,
    /// `push.branches` when given.
    pub(crate) push_branches: Option<Vec<String>>,
    /// `push.branches-ignore` is given.
    pub(crate) push_branches_ignore: bool,
    /// `push.tags` is given.
    pub(crate) push_tags: bool,
}

impl Triggers {
    pub(crate) fn has(&self, event: &str) -> bool {
        self.events.iter().any(|e| e == event)
    }

    /// The events whose runs are on a branch (their `GITHUB_REF` is a
    /// branch or a pull request's ref), never on a tag: a tag-only
    /// environment refuses their jobs. `workflow_dispatch`, `release`,
    /// `deployment` and `workflow_call` (the caller's event decides) can
    /// run on a tag; `push` does when it filters on tags alone.
    pub(crate) fn branch_only_events(&self) -> Vec<&str> {
        self.events
            .iter()
            .map(String::as_str)
            .filter(|e| match *e {
                "workflow_dispatch"
                | "release"
                | "deployment"
                | "workflow_call"
                | "repository_dispatch" => false,
                "push" => {
                    self.push_branches.is_some() || self.push_branches_ignore || !self.push_tags
                }
                _ => true,
            })
            .collect()
    }

    /// Whether the workflow reports checks on a pull request's head: on
    /// `pull_request`, or on a push to branches other than the default one
    /// (a branch of this repository is pushed before its pull request).
    pub(crate) fn reports_on_pull_requests(&self, default_branch: &str) -> bool {
        if self.has("pull_request") {
            return true;
        }
        if !self.has("push") {
            return false;
        }
        match &self.push_branches {
            Some(b) => b.iter().any(|p| p != default_branch),
            None => self.push_branches_ignore || !self.push_tags,
        }
    }
}

/// A parsed workflow file.
#[derive(Debug, Clone)]
pub(crate) struct Workflow {
    pub(crate) path: String,
    pub(crate) triggers: Triggers,
    pub(crate) permissions: Permissions,
    pub(crate) jobs: Vec<Job>,
    pub(crate) uses: Vec<Uses>,
}

/// A workflow file that is not a workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unreadable {
    pub(crate) path: String,
    pub(crate) why: String,
}

fn text(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn strings(y: &Yaml) -> Vec<String> {
    match y {
        Yaml::Array(a) => a.iter().filter_map(text).collect(),
        other => text(other).into_iter().collect(),
    }
}

fn triggers(on: &Yaml) -> Triggers {
    let mut t = Triggers::default();
    match on {
        Yaml::String(s) => t.events.push(s.clone()),
        Yaml::Array(a) => t.events.extend(a.iter().filter_map(text)),
        Yaml::Hash(h) => {
            for (k, v) in h {
                let Some(event) = text(k) else { continue };
                if event == "push" {
                    if !v["branches"].is_badvalue() {
                        t.push_branches = Some(strings(&v["branches"]));
                    }
                    t.push_branches_ignore = !v["branches-ignore"].is_badvalue();
                    t.push_tags = !v["tags"].is_badvalue() || !v["tags-ignore"].is_badvalue();
                }
                t.events.push(event);
            }
        }
        _ => {}
    }
    t
}

fn permissions(p: &Yaml) -> Permissions {
    match p {
        Yaml::BadValue | Yaml::Null => Permissions::Missing,
        Yaml::Hash(h) if h.is_empty() => Permissions::Empty,
        Yaml::String(s) => Permissions::Other(s.clone()),
        Yaml::Hash(h) => Permissions::Other(
            h.iter()
                .map(|(k, v)| {
                    format!(
                        "{}: {}",
                        text(k).unwrap_or_default(),
                        text(v).unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
        other => Permissions::Other(text(other).unwrap_or_default()),
    }
}

fn step(y: &Yaml) -> Step {
    let with = y["with"]
        .as_hash()
        .map(|h| {
            h.iter()
                .filter_map(|(k, v)| Some((text(k)?, text(v).unwrap_or_default())))
                .collect()
        })
        .unwrap_or_default();
    Step {
        uses: text(&y["uses"]),
        with,
        run: text(&y["run"]),
    }
}

/// Every `uses:` in document order, each with the first line at or after
/// the previous one that names it.
fn uses_with_lines(doc: &Yaml, source: &str) -> Vec<Uses> {
    fn collect(y: &Yaml, out: &mut Vec<String>) {
        match y {
            Yaml::Hash(h) => {
                for (k, v) in h {
                    if k.as_str() == Some("uses") {
                        out.extend(text(v));
                    } else {
                        collect(v, out);
                    }
                }
            }
            Yaml::Array(a) => a.iter().for_each(|v| collect(v, out)),
            _ => {}
        }
    }
    let mut values = Vec::new();
    collect(doc, &mut values);
    let lines: Vec<&str> = source.lines().collect();
    let mut from = 0;
    values
        .into_iter()
        .map(|value| {
            let found = lines
                .iter()
                .enumerate()
                .skip(from)
                .find(|(_, l)| l.contains("uses:") && l.contains(value.as_str()))
                .map(|(i, _)| i);
            if let Some(i) = found {
                from = i + 1;
            }
            Uses {
                value,
                line: found.map(|i| i + 1),
            }
        })
        .collect()
}

impl Workflow {
    /// Parses a workflow file.
    pub(crate) fn parse(path: &str, source: &str) -> Result<Self, Unreadable> {
        let unreadable = |why: String| Unreadable {
            path: path.to_owned(),
            why,
        };
        let docs = YamlLoader::load_from_str(source)
            .map_err(|e| unreadable(format!("not valid YAML: {e}")))?;
        let doc = docs
            .into_iter()
            .next()
            .ok_or_else(|| unreadable("empty".to_owned()))?;
        let Some(job_map) = doc["jobs"].as_hash() else {
            return Err(unreadable(
                "no jobs: a workflow needs on: and jobs:".to_owned(),
            ));
        };
        let jobs = job_map
            .iter()
            .filter_map(|(id, j)| {
                Some(Job {
                    id: text(id)?,
                    name: text(&j["name"]),
                    matrix: match &j["strategy"]["matrix"] {
                        Yaml::BadValue | Yaml::Null => None,
                        m => Some(m.clone()),
                    },
                    uses: text(&j["uses"]),
                    steps: j["steps"]
                        .as_vec()
                        .map(|s| s.iter().map(step).collect())
                        .unwrap_or_default(),
                    condition: text(&j["if"]),
                    needs: strings(&j["needs"]),
                    environment: text(&j["environment"])
                        .or_else(|| text(&j["environment"]["name"])),
                })
            })
            .collect();
        Ok(Self {
            path: path.to_owned(),
            triggers: triggers(&doc["on"]),
            permissions: permissions(&doc["permissions"]),
            jobs,
            uses: uses_with_lines(&doc, source),
        })
    }
}

/// A check a workflow reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Emitted {
    pub(crate) name: CheckName,
    /// The workflow file whose run reports it.
    pub(crate) workflow: String,
    /// The job ids from the workflow down, `gates / pr-size`.
    pub(crate) job: String,
    /// The PR gate the job runs.
    pub(crate) gate: Option<&'static str>,
    /// A job-level `if:` on the way (the job's or a caller's).
    pub(crate) condition: Option<String>,
    /// Whether this is a commit status a step posts, not a job's check run.
    pub(crate) status: bool,
    /// The jobs this one needs, as job paths like [`Emitted::job`].
    pub(crate) needs: Vec<String>,
}

/// A workflow another one calls, as far as doctor could read it.
pub(crate) trait Callees {
    /// The workflow at a `uses:` of a job (`./.github/workflows/x.yml` or
    /// `owner/repo/.github/workflows/x.yml@ref`); `None` when unreadable.
    fn callee(&self, uses: &str) -> Option<&Workflow>;
}

/// One matrix combination: (key, value) in order.
type Combo = Vec<(String, Yaml)>;

/// A combination and the values its check name shows.
struct Combination {
    values: Combo,
    /// The keys whose values the name shows: the matrix's own keys for a
    /// combination of them (an `include` that extends one adds values the
    /// name leaves out), every key of an `include` that stands alone.
    shown: Vec<String>,
}

/// The combinations of a job's matrix, in GitHub's order (the matrix's
/// own, then the `include` entries that match none); `Err(())` when the
/// file does not show them (an expression).
fn combinations(matrix: &Yaml) -> Result<Vec<Combination>, ()> {
    let Yaml::Hash(h) = matrix else {
        return Err(());
    };
    let mut combos: Vec<Combo> = vec![Vec::new()];
    let mut keys = Vec::new();
    for (k, v) in h {
        let Some(key) = text(k) else { continue };
        if key == "include" || key == "exclude" {
            continue;
        }
        let Yaml::Array(values) = v else {
            return Err(());
        };
        keys.push(key.clone());
        combos = combos
            .into_iter()
            .flat_map(|c| {
                let key = &key;
                values.iter().map(move |value| {
                    let mut c = c.clone();
                    c.push((key.clone(), value.clone()));
                    c
                })
            })
            .collect();
    }
    if keys.is_empty() {
        combos.clear();
    }
    let entries = |key: &str| -> Result<Vec<Vec<(String, Yaml)>>, ()> {
        match &h.get(&Yaml::String(key.to_owned())) {
            None => Ok(Vec::new()),
            Some(Yaml::Array(a)) => a
                .iter()
                .map(|e| match e {
                    Yaml::Hash(eh) => Ok(eh
                        .iter()
                        .filter_map(|(k, v)| Some((text(k)?, v.clone())))
                        .collect()),
                    _ => Err(()),
                })
                .collect(),
            Some(_) => Err(()),
        }
    };
    for ex in entries("exclude")? {
        combos.retain(|c| {
            !ex.iter()
                .all(|(k, v)| c.iter().any(|(ck, cv)| ck == k && cv == v))
        });
    }
    let mut alone: Vec<Combo> = Vec::new();
    for inc in entries("include")? {
        let fits = |c: &Combo| {
            inc.iter()
                .all(|(k, v)| !keys.contains(k) || c.iter().any(|(ck, cv)| ck == k && cv == v))
        };
        let mut added = false;
        for c in combos.iter_mut().filter(|c| fits(c)) {
            added = true;
            for (k, v) in &inc {
                if keys.contains(k) {
                    continue;
                }
                match c.iter_mut().find(|(ck, _)| ck == k) {
                    Some(slot) => slot.1 = v.clone(),
                    None => c.push((k.clone(), v.clone())),
                }
            }
        }
        if !added {
            alone.push(inc.clone());
        }
    }
    let own = combos.into_iter().map(|values| Combination {
        values,
        shown: keys.clone(),
    });
    let standalone = alone.into_iter().map(|values| Combination {
        shown: values.iter().map(|(k, _)| k.clone()).collect(),
        values,
    });
    Ok(own.chain(standalone).collect())
}

/// A matrix value as the check name shows it; `None` for an empty one,
/// `*` for what the file does not show.
fn shown_values(v: &Yaml, out: &mut Vec<String>) -> bool {
    match v {
        Yaml::Null | Yaml::BadValue => true,
        Yaml::String(s) if s.is_empty() => true,
        Yaml::String(s) if s.contains("${{") => {
            out.push("*".to_owned());
            false
        }
        Yaml::Real(r) => {
            // YAML's 3.10 is the number 3.1.
            out.push(
                r.parse::<f64>()
                    .map(|f| f.to_string())
                    .unwrap_or_else(|_| r.clone()),
            );
            true
        }
        Yaml::Hash(h) => {
            let mut exact = true;
            for (_, v) in h {
                exact &= shown_values(v, out);
            }
            exact
        }
        Yaml::Array(_) | Yaml::Alias(_) => {
            out.push("*".to_owned());
            false
        }
        other => {
            out.extend(text(other));
            true
        }
    }
}

/// Replaces each `${{ matrix.KEY }}` by the combination's value and any
/// other expression by `*`.
fn evaluate(name: &str, combo: Option<&Combo>) -> CheckName {
    let mut out = String::new();
    let mut exact = true;
    let mut rest = name;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find("}}") else {
            out.push('*');
            exact = false;
            rest = "";
            break;
        };
        let expr = rest[start + 3..start + len].trim();
        let value = expr
            .strip_prefix("matrix.")
            .and_then(|key| combo?.iter().find(|(k, _)| k == key))
            .map(|(_, v)| {
                let mut shown = Vec::new();
                let known = shown_values(v, &mut shown);
                (shown.join(", "), known)
            });
        match value {
            Some((v, true)) => out.push_str(&v),
            _ => {
                out.push('*');
                exact = false;
            }
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    CheckName { text: out, exact }
}

fn cut(mut name: CheckName) -> CheckName {
    if name.text.chars().count() > NAME_LIMIT {
        name.text = format!(
            "{}...",
            name.text.chars().take(NAME_LIMIT - 3).collect::<String>()
        );
    }
    name
}

/// The names of a job's check runs: one per matrix combination.
fn job_names(job: &Job) -> Vec<CheckName> {
    let base = job.name.clone().unwrap_or_else(|| job.id.clone());
    let combos = match &job.matrix {
        None => None,
        Some(m) => match combinations(m) {
            Ok(c) if c.is_empty() => None,
            Ok(c) => Some(c),
            Err(()) => {
                return vec![cut(if base.contains("${{") {
                    evaluate(&base, None)
                } else {
                    CheckName {
                        text: format!("{base} (*)"),
                        exact: false,
                    }
                })];
            }
        },
    };
    let Some(combos) = combos else {
        return vec![cut(evaluate(&base, None))];
    };
    let mut names: Vec<CheckName> = combos
        .iter()
        .map(|c| {
            if base.contains("${{") {
                return cut(evaluate(&base, Some(&c.values)));
            }
            let mut shown = Vec::new();
            let mut exact = true;
            for (_, v) in c.values.iter().filter(|(k, _)| c.shown.contains(k)) {
                exact &= shown_values(v, &mut shown);
            }
            let text = if shown.is_empty() {
                base.clone()
            } else {
                format!("{base} ({})", shown.join(", "))
            };
            cut(CheckName { text, exact })
        })
        .collect();
    names.dedup();
    names
}

fn join_condition(a: Option<&str>, b: Option<&str>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(format!("{a} (caller), {b}")),
        (a, b) => a.or(b).map(str::to_owned),
    }
}

/// Every check the workflow's jobs report, reusable workflows followed.
pub(crate) fn emitted(wf: &Workflow, callees: &dyn Callees) -> Vec<Emitted> {
    let mut out = Vec::new();
    let top = Prefix {
        workflow: &wf.path,
        name: String::new(),
        job: String::new(),
        condition: None,
        depth: 0,
    };
    jobs_emitted(wf, &top, callees, &mut out);
    out
}

/// Where a workflow's jobs land in the run of the workflow on top.
struct Prefix<'a> {
    workflow: &'a str,
    /// The callers' check names, each followed by ` / `.
    name: String,
    /// The callers' job ids, each followed by ` / `.
    job: String,
    condition: Option<String>,
    depth: usize,
}

fn jobs_emitted(wf: &Workflow, at: &Prefix<'_>, callees: &dyn Callees, out: &mut Vec<Emitted>) {
    for job in &wf.jobs {
        let job_path = format!("{}{}", at.job, job.id);
        let cond = join_condition(at.condition.as_deref(), job.condition.as_deref());
        let needs: Vec<String> = job.needs.iter().map(|n| format!("{}{n}", at.job)).collect();
        let emit = |name: CheckName, gate: Option<&'static str>, status: bool| Emitted {
            name,
            workflow: at.workflow.to_owned(),
            job: job_path.clone(),
            gate,
            condition: cond.clone(),
            status,
            needs: needs.clone(),
        };
        for name in job_names(job) {
            let full = CheckName {
                text: format!("{}{}", at.name, name.text),
                exact: name.exact,
            };
            match &job.uses {
                Some(uses) => match callees.callee(uses).filter(|_| at.depth < MAX_NESTING) {
                    Some(callee) => {
                        let inner = Prefix {
                            workflow: at.workflow,
                            name: format!("{} / ", full.text),
                            job: format!("{job_path} / "),
                            condition: cond.clone(),
                            depth: at.depth + 1,
                        };
                        jobs_emitted(callee, &inner, callees, out);
                    }
                    None => out.push(emit(
                        CheckName {
                            text: format!("{} / *", full.text),
                            exact: false,
                        },
                        None,
                        false,
                    )),
                },
                None => out.push(emit(full, job.gate(), false)),
            }
        }
        // checklist-gate's commit status.
        for s in &job.steps {
            if s.uses.as_deref().and_then(gate_of) != Some("checklist-gate") {
                continue;
            }
            if let Some(ctx) = s.with.get("status-context").filter(|c| !c.is_empty()) {
                let name = if ctx.contains("${{") {
                    evaluate(ctx, None)
                } else {
                    CheckName::exact(ctx.clone())
                };
                out.push(emit(name, Some("checklist-gate"), true));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoCallees;
    impl Callees for NoCallees {
        fn callee(&self, _: &str) -> Option<&Workflow> {
            None
        }
    }

    struct Local(Vec<Workflow>);
    impl Callees for Local {
        fn callee(&self, uses: &str) -> Option<&Workflow> {
            let path = uses.strip_prefix("./")?;
            self.0.iter().find(|w| w.path == path)
        }
    }

    fn names(source: &str) -> Vec<String> {
        let wf = Workflow::parse(".github/workflows/ci.yml", source).unwrap();
        emitted(&wf, &NoCallees)
            .into_iter()
            .map(|e| e.name.text)
            .collect()
    }

    #[test]
    fn job_names_and_name_overrides() {
        let n = names(
            "on: pull_request\njobs:\n  build:\n    runs-on: x\n    steps: []\n  lint:\n    name: Lint code\n    runs-on: x\n    steps: []\n",
        );
        assert_eq!(n, ["build", "Lint code"]);
    }

    #[test]
    fn matrix_values_are_appended_in_key_order() {
        let n = names(
            "on: push\njobs:\n  test:\n    strategy:\n      matrix:\n        os: [ubuntu, macos]\n        python: ['3.12', 3.10]\n    runs-on: x\n    steps: []\n",
        );
        assert_eq!(
            n,
            [
                "test (ubuntu, 3.12)",
                "test (ubuntu, 3.1)",
                "test (macos, 3.12)",
                "test (macos, 3.1)"
            ]
        );
    }

    #[test]
    fn include_extends_or_adds_and_exclude_removes() {
        let n = names(
            "on: push\njobs:\n  t:\n    strategy:\n      matrix:\n        os: [a, b]\n        v: [1, 2]\n        exclude:\n          - os: b\n            v: 2\n        include:\n          - os: a\n            extra: x\n          - os: c\n            v: 9\n    runs-on: x\n    steps: []\n",
        );
        // `extra` extends the combinations with os a, and their names
        // leave it out; the include that matches none is a combination of
        // its own, every value shown.
        assert_eq!(n, ["t (a, 1)", "t (a, 2)", "t (b, 1)", "t (c, 9)"]);
        let wf = Workflow::parse(
            "w.yml",
            "on: push\njobs:\n  t:\n    name: t on ${{ matrix.extra }}\n    strategy:\n      matrix:\n        os: [a]\n        include:\n          - os: a\n            extra: x\n    runs-on: x\n    steps: []\n",
        )
        .unwrap();
        assert_eq!(emitted(&wf, &NoCallees)[0].name.text, "t on x");
    }

    #[test]
    fn a_name_with_an_expression_is_evaluated_not_suffixed() {
        let n = names(
            "on: push\njobs:\n  t:\n    name: test on ${{ matrix.os }}\n    strategy:\n      matrix:\n        os: [a, b]\n    runs-on: x\n    steps: []\n",
        );
        assert_eq!(n, ["test on a", "test on b"]);
        let wf = Workflow::parse(
            "w.yml",
            "on: push\njobs:\n  t:\n    name: build ${{ inputs.target }}\n    runs-on: x\n    steps: []\n",
        )
        .unwrap();
        let e = emitted(&wf, &NoCallees);
        assert!(!e[0].name.exact);
        assert!(e[0].name.matches("build linux"));
        assert!(!e[0].name.matches("test linux"));
    }

    #[test]
    fn objects_empty_values_and_long_names() {
        let n = names(
            "on: push\njobs:\n  t:\n    strategy:\n      matrix:\n        shard:\n          - {name: core, paths: a b}\n        flag: ['', true]\n    runs-on: x\n    steps: []\n",
        );
        assert_eq!(n, ["t (core, a b)", "t (core, a b, true)"]);
        let long = "x".repeat(120);
        let n = names(&format!(
            "on: push\njobs:\n  t:\n    name: {long}\n    runs-on: x\n    steps: []\n"
        ));
        assert_eq!(n[0].len(), 100);
        assert!(n[0].ends_with("..."));
    }

    #[test]
    fn a_matrix_from_an_expression_is_a_wildcard() {
        let wf = Workflow::parse(
            "w.yml",
            "on: push\njobs:\n  t:\n    strategy:\n      matrix: ${{ fromJSON(needs.a.outputs.m) }}\n    runs-on: x\n    steps: []\n",
        )
        .unwrap();
        let e = emitted(&wf, &NoCallees);
        assert_eq!(e[0].name.text, "t (*)");
        assert!(e[0].name.matches("t (linux, 1)"));
    }

    #[test]
    fn reusable_workflows_prefix_the_caller() {
        let callee = Workflow::parse(
            ".github/workflows/gates.yml",
            "on: workflow_call\njobs:\n  pr-size:\n    runs-on: x\n    steps:\n      - uses: acme/trunkline/actions/pr-size-gate@0123456789abcdef0123456789abcdef01234567\n",
        )
        .unwrap();
        let caller = Workflow::parse(
            ".github/workflows/pr.yml",
            "on: pull_request\njobs:\n  gates:\n    uses: ./.github/workflows/gates.yml\n  remote:\n    uses: other/repo/.github/workflows/x.yml@0123456789abcdef0123456789abcdef01234567\n",
        )
        .unwrap();
        let e = emitted(&caller, &Local(vec![callee]));
        assert_eq!(e[0].name.text, "gates / pr-size");
        assert_eq!(e[0].gate, Some("pr-size-gate"));
        assert_eq!(e[0].workflow, ".github/workflows/pr.yml");
        assert_eq!(e[0].job, "gates / pr-size");
        assert_eq!(e[1].name.text, "remote / *");
        assert!(!e[1].name.exact);
    }

    #[test]
    fn pins_and_lines() {
        let wf = Workflow::parse(
            "w.yml",
            "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/checkout@0123456789abcdef0123456789abcdef01234567 # v4\n      - uses: ./local\n      - uses: docker://alpine:3\n",
        )
        .unwrap();
        let pinned: Vec<(bool, Option<usize>)> =
            wf.uses.iter().map(|u| (u.is_pinned(), u.line)).collect();
        assert_eq!(
            pinned,
            [
                (false, Some(7)),
                (true, Some(8)),
                (true, Some(9)),
                (false, Some(10))
            ]
        );
        assert_eq!(wf.permissions, Permissions::Empty);
    }

    #[test]
    fn triggers_that_report_on_pull_requests() {
        let t = |on: &str| {
            Workflow::parse("w.yml", &format!("on: {on}\njobs:\n  a:\n    steps: []\n"))
                .unwrap()
                .triggers
                .reports_on_pull_requests("main")
        };
        assert!(t("pull_request"));
        assert!(t("[push]"));
        assert!(!t("{push: {branches: [main]}}"));
        assert!(t("{push: {branches: [main, 'feature/*']}}"));
        assert!(!t("{push: {tags: ['v*']}}"));
        assert!(!t("workflow_dispatch"));
    }

    #[test]
    fn events_whose_runs_are_on_a_branch() {
        let t = |on: &str| {
            Workflow::parse("w.yml", &format!("on: {on}\njobs:\n  a:\n    steps: []\n"))
                .unwrap()
                .triggers
                .branch_only_events()
                .join(",")
        };
        assert_eq!(t("{push: {tags: ['v*']}}"), "");
        assert_eq!(t("[workflow_dispatch, release]"), "");
        assert_eq!(t("{push: {branches: [main]}}"), "push");
        assert_eq!(t("[push, schedule]"), "push,schedule");
        assert_eq!(t("{push: {branches: [main], tags: ['v*']}}"), "push");
        assert_eq!(
            t("[pull_request, workflow_run]"),
            "pull_request,workflow_run"
        );
    }

    #[test]
    fn the_environment_of_a_job() {
        let wf = Workflow::parse(
            "w.yml",
            "on: push\njobs:\n  a:\n    environment: production\n    steps: []\n  b:\n    environment:\n      name: staging\n      url: https://x\n    steps: []\n  c:\n    steps: []\n",
        )
        .unwrap();
        let envs: Vec<Option<&str>> = wf.jobs.iter().map(|j| j.environment.as_deref()).collect();
        assert_eq!(envs, [Some("production"), Some("staging"), None]);
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("a / *", "a / b"));
        assert!(wildcard_match("*x*", "axb"));
        assert!(!wildcard_match("a*c", "ab"));
        assert!(wildcard_match("abc", "abc"));
    }
}
