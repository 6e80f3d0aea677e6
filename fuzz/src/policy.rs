//! The policy file, `.github/trunkline.toml`: its tables and every gate's
//! keys, checked as each gate reads them (`trunkline config` does the
//! same for all five at once).

use gate_runtime::Env;
use gate_runtime::policy::{POLICY_PATH, PolicyFile, Via};
use trunkline::gates::GATES;

use crate::text;

pub(crate) fn policy(data: &[u8]) {
    let file = PolicyFile {
        path: POLICY_PATH.to_owned(),
        commit: Some("a".repeat(40)),
        via: Via::LocalGit,
        text: Some(text(data)),
        changed: None,
    };
    if file.tables().is_err() {
        return;
    }
    let env = Env::from_pairs::<&str, &str>([]);
    for gate in &GATES {
        let _ = (gate.effective)(vec![gate.name.into()], &env, &file);
    }
}
