//! AFL++ target `checks`: see fuzz/README.md.

fn main() {
    let run = trunkline_fuzz::target("checks")
        .expect("a known target")
        .run;
    afl::fuzz!(|data: &[u8]| run(data));
}
