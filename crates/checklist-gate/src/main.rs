use std::process::ExitCode;

fn main() -> ExitCode {
    let env = gate_runtime::Env::from_process();
    gate_runtime::run_gate::<checklist_gate::cli::Cli, _>(
        checklist_gate::GATE,
        std::env::args_os(),
        &env,
        &mut std::io::stdout(),
        &mut std::io::stderr(),
        checklist_gate::run,
    )
}
