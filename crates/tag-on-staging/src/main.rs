use std::process::ExitCode;

fn main() -> ExitCode {
    let env = gate_runtime::Env::from_process();
    gate_runtime::run_gate::<tag_on_staging::cli::Cli, _>(
        tag_on_staging::GATE,
        std::env::args_os(),
        &env,
        gate_runtime::GateIo {
            stdin: &mut std::io::stdin(),
            stdout: &mut std::io::stdout(),
            stderr: &mut std::io::stderr(),
        },
        tag_on_staging::run,
    )
}
