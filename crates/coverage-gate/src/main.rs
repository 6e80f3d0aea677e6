use std::process::ExitCode;

fn main() -> ExitCode {
    let env = gate_runtime::Env::from_process();
    gate_runtime::run_gate::<coverage_gate::cli::Cli, _>(
        coverage_gate::GATE,
        std::env::args_os(),
        &env,
        gate_runtime::GateIo {
            stdin: &mut std::io::stdin(),
            stdout: &mut std::io::stdout(),
            stderr: &mut std::io::stderr(),
        },
        coverage_gate::run,
    )
}
