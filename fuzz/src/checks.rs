//! post-deploy-watch's checks file (`--checks`, the action's multi-line
//! `checks` input): TOML with `[[check]]` tables, validated up front.

use clap::Parser as _;
use gate_runtime::Env;
use post_deploy_watch::checks::{Probe, longest_range, lookback_notes};
use post_deploy_watch::cli::Cli;
use post_deploy_watch::settings::Settings;

use crate::text;

/// Variables a check's headers may name.
const ENV: [(&str, &str); 2] = [("HEALTH_TOKEN", "Bearer s3cret"), ("PROM_TOKEN", "t0ken")];

pub(crate) fn checks(data: &[u8]) {
    // A value with a line break is TOML text, never a file's path: the
    // target reads no file whatever the input.
    let spec = format!("\n{}", text(data));
    let argv = [
        "post-deploy-watch",
        "--prometheus-url",
        "http://127.0.0.1:9090",
        "--checks",
        &spec,
    ];
    let Ok(cli) = Cli::try_parse_from(argv) else {
        return;
    };
    let env = Env::from_pairs(ENV);
    let Ok(settings) = Settings::new(&cli, &env) else {
        return;
    };
    let checks = &settings.checks;
    assert!(!checks.is_empty(), "a watch with nothing to watch");
    assert!(
        checks.iter().any(|c| !c.observe_only),
        "nothing decides the verdict"
    );
    for (i, c) in checks.iter().enumerate() {
        assert!(
            checks[..i].iter().all(|o| o.name != c.name),
            "two checks named {:?}",
            c.name
        );
        assert!(c.failure_threshold >= 1 && c.error_threshold >= 1);
        for secret in c.secret_values() {
            assert!(
                ENV.iter().any(|(_, v)| *v == secret),
                "a header value that is not from the environment"
            );
        }
        let _ = (c.kind(), c.threshold(), c.condition_text());
        if let Probe::Prometheus(p) = &c.probe {
            let _ = longest_range(&p.condition.expr);
        }
    }
    let _ = lookback_notes(checks, settings.timing.initial_delay);
}
