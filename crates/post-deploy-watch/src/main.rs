use std::process::ExitCode;

fn main() -> ExitCode {
    let env = gate_runtime::Env::from_process();
    gate_runtime::run_gate::<post_deploy_watch::cli::Cli, _>(
        post_deploy_watch::GATE,
        std::env::args_os(),
        &env,
        gate_runtime::GateIo {
            stdin: &mut std::io::stdin(),
            stdout: &mut std::io::stdout(),
            stderr: &mut std::io::stderr(),
        },
        |cli, ctx, io| post_deploy_watch::run(cli, ctx, io, &env),
    )
}
