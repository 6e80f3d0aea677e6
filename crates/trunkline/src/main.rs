use std::process::ExitCode;

fn main() -> ExitCode {
    let env = gate_runtime::Env::from_process();
    trunkline::run(
        std::env::args_os(),
        &env,
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    )
}
