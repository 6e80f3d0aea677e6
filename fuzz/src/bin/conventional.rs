//! AFL++ target `conventional`: see fuzz/README.md.

fn main() {
    let run = trunkline_fuzz::target("conventional")
        .expect("a known target")
        .run;
    afl::fuzz!(|data: &[u8]| run(data));
}
