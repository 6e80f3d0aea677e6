//! AFL++ target `cobertura`: see fuzz/README.md.

fn main() {
    let run = trunkline_fuzz::target("cobertura")
        .expect("a known target")
        .run;
    afl::fuzz!(|data: &[u8]| run(data));
}
