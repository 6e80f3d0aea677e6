//! AFL++ target `lcov`: see fuzz/README.md.

fn main() {
    let run = trunkline_fuzz::target("lcov").expect("a known target").run;
    afl::fuzz!(|data: &[u8]| run(data));
}
