//! Which stack a repository is, and the test command that leaves a
//! coverage report coverage-gate reads.

use std::path::Path;

use crate::pins::{INSTALL_ACTION, SETUP_GO, SETUP_JAVA, SETUP_NODE, SETUP_PYTHON};

/// One workflow step, rendered by the workflow writer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Step {
    pub name: Option<String>,
    pub uses: Option<String>,
    pub with: Vec<(String, String)>,
    pub run: Option<String>,
}

impl Step {
    fn uses(uses: String, with: &[(&str, &str)]) -> Self {
        Self {
            uses: Some(uses),
            with: with
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..Self::default()
        }
    }

    fn run(name: &str, script: &str) -> Self {
        Self {
            name: Some(name.to_owned()),
            run: Some(script.to_owned()),
            ..Self::default()
        }
    }
}

/// A detected stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stack {
    /// What it is, for the user: `Rust`, `Node.js`, ...
    pub name: &'static str,
    /// The file that gave it away.
    pub found: &'static str,
    /// Toolchain set-up, before the tests.
    pub setup: Vec<Step>,
    /// The tests, writing the coverage report.
    pub test: Step,
    /// The reports the test step writes, for `[coverage] reports`.
    pub reports: Vec<String>,
    /// JaCoCo source roots, when not the default.
    pub source_roots: Vec<String>,
    /// What the user may need to know.
    pub note: Option<&'static str>,
}

/// JaCoCo's Maven plugin, by coordinates: no change to the build needed.
const JACOCO_MAVEN: &str = "org.jacoco:jacoco-maven-plugin:0.8.12";

/// The stacks at the repository's root, in this order: Rust, Node.js, Go,
/// Python, Maven, Gradle. A repository with several gets each one's tests.
pub fn detect(dir: &Path) -> Vec<Stack> {
    let has = |f: &str| dir.join(f).is_file();
    let mut found = Vec::new();
    if has("Cargo.toml") {
        found.push(Stack {
            name: "Rust",
            found: "Cargo.toml",
            setup: vec![
                Step::uses(INSTALL_ACTION.uses(), &[("tool", "cargo-llvm-cov")]),
                Step::run(
                    "LLVM tools for coverage",
                    "rustup component add llvm-tools-preview",
                ),
            ],
            test: Step::run(
                "Tests with coverage",
                "cargo llvm-cov --workspace --lcov --output-path lcov.info",
            ),
            reports: vec!["lcov.info".into()],
            source_roots: Vec::new(),
            note: None,
        });
    }
    if has("package.json") {
        let manifest = std::fs::read_to_string(dir.join("package.json")).unwrap_or_default();
        let install = if has("package-lock.json") || has("npm-shrinkwrap.json") {
            "npm ci"
        } else {
            "npm install"
        };
        let (test, note) = if manifest.contains("\"jest\"") {
            (
                format!("{install}\nnpx jest --coverage --coverageReporters=lcov"),
                None,
            )
        } else {
            (
                format!("{install}\nnpx --yes c8@10.1.3 --reporter=lcov npm test"),
                Some("c8 measures whatever `npm test` runs on Node's own coverage"),
            )
        };
        found.push(Stack {
            name: "Node.js",
            found: "package.json",
            setup: vec![Step::uses(SETUP_NODE.uses(), &[("node-version", "lts/*")])],
            test: Step::run("Tests with coverage", &test),
            reports: vec!["coverage/lcov.info".into()],
            source_roots: Vec::new(),
            note,
        });
    }
    if has("go.mod") {
        found.push(Stack {
            name: "Go",
            found: "go.mod",
            setup: vec![Step::uses(
                SETUP_GO.uses(),
                &[("go-version-file", "go.mod"), ("cache", "false")],
            )],
            test: Step::run(
                "Tests with coverage",
                "go test -coverprofile=coverage.out ./...",
            ),
            reports: vec!["coverage.out".into()],
            source_roots: Vec::new(),
            note: None,
        });
    }
    let python = if has("pyproject.toml") {
        Some("pyproject.toml")
    } else if has("setup.py") {
        Some("setup.py")
    } else {
        None
    };
    if let Some(file) = python {
        found.push(Stack {
            name: "Python",
            found: file,
            setup: vec![Step::uses(SETUP_PYTHON.uses(), &[("python-version", "3.x")])],
            test: Step::run(
                "Tests with coverage",
                "python -m pip install --upgrade pip\npython -m pip install -e . pytest pytest-cov\npython -m pytest --cov=. --cov-branch --cov-report=xml:coverage.xml",
            ),
            reports: vec!["coverage.xml".into()],
            source_roots: Vec::new(),
            note: Some("add your test dependencies to the pip install line if pytest needs more"),
        });
    }
    if has("pom.xml") {
        found.push(Stack {
            name: "Java (Maven)",
            found: "pom.xml",
            setup: vec![Step::uses(
                SETUP_JAVA.uses(),
                &[("distribution", "temurin"), ("java-version", "21")],
            )],
            test: Step::run(
                "Tests with coverage",
                &format!("mvn -B {JACOCO_MAVEN}:prepare-agent verify {JACOCO_MAVEN}:report"),
            ),
            reports: vec!["target/site/jacoco/jacoco.xml".into()],
            source_roots: Vec::new(),
            note: Some("a multi-module build writes one jacoco.xml per module: list each in [coverage] reports"),
        });
    }
    let gradle = if has("build.gradle.kts") {
        Some("build.gradle.kts")
    } else if has("build.gradle") {
        Some("build.gradle")
    } else {
        None
    };
    if let Some(file) = gradle {
        let kotlin = file.ends_with(".kts");
        found.push(Stack {
            name: if kotlin { "Kotlin/Java (Gradle)" } else { "Java (Gradle)" },
            found: file,
            setup: vec![Step::uses(
                SETUP_JAVA.uses(),
                &[("distribution", "temurin"), ("java-version", "21")],
            )],
            test: Step::run(
                "Tests with coverage",
                "# JaCoCo with its XML report, without changing the build.\ninit=\"${RUNNER_TEMP}/trunkline-jacoco.gradle\"\ncat > \"$init\" <<'EOF'\nallprojects {\n  apply plugin: 'jacoco'\n  tasks.withType(JacocoReport).configureEach { reports { xml.required = true } }\n}\nEOF\ngradle=gradle\nif [ -x ./gradlew ]; then gradle=./gradlew; fi\n\"$gradle\" test jacocoTestReport --init-script \"$init\"",
            ),
            reports: vec!["build/reports/jacoco/test/jacocoTestReport.xml".into()],
            source_roots: if kotlin {
                vec!["src/main/java".into(), "src/main/kotlin".into()]
            } else {
                Vec::new()
            },
            note: None,
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stacks(files: &[(&str, &str)]) -> Vec<Stack> {
        let d = tempfile::tempdir().unwrap();
        for (f, text) in files {
            std::fs::write(d.path().join(f), text).unwrap();
        }
        detect(d.path())
    }

    #[test]
    fn each_stack_and_its_report() {
        let cases: [(&str, &str, &str); 8] = [
            ("Cargo.toml", "Rust", "lcov.info"),
            ("package.json", "Node.js", "coverage/lcov.info"),
            ("go.mod", "Go", "coverage.out"),
            ("pyproject.toml", "Python", "coverage.xml"),
            ("setup.py", "Python", "coverage.xml"),
            ("pom.xml", "Java (Maven)", "target/site/jacoco/jacoco.xml"),
            (
                "build.gradle",
                "Java (Gradle)",
                "build/reports/jacoco/test/jacocoTestReport.xml",
            ),
            (
                "build.gradle.kts",
                "Kotlin/Java (Gradle)",
                "build/reports/jacoco/test/jacocoTestReport.xml",
            ),
        ];
        for (file, name, report) in cases {
            let found = stacks(&[(file, "{}")]);
            assert_eq!(found.len(), 1, "{file}");
            assert_eq!(found[0].name, name);
            assert_eq!(found[0].found, file);
            assert_eq!(found[0].reports, [report]);
        }
        assert!(stacks(&[("README.md", "")]).is_empty());
    }

    #[test]
    fn jest_projects_use_jest_coverage() {
        let found = stacks(&[
            ("package.json", r#"{"devDependencies": {"jest": "^29"}}"#),
            ("package-lock.json", "{}"),
        ]);
        let run = found[0].test.run.as_deref().unwrap();
        assert!(run.starts_with("npm ci\nnpx jest --coverage"), "{run}");
        let found = stacks(&[("package.json", r#"{"scripts": {"test": "node --test"}}"#)]);
        let run = found[0].test.run.as_deref().unwrap();
        assert!(run.starts_with("npm install\nnpx --yes c8"), "{run}");
    }

    #[test]
    fn several_stacks_each_test() {
        let found = stacks(&[("Cargo.toml", ""), ("package.json", "{}")]);
        let names: Vec<&str> = found.iter().map(|s| s.name).collect();
        assert_eq!(names, ["Rust", "Node.js"]);
    }
}
