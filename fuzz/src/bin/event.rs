//! AFL++ target `event`: see fuzz/README.md.

fn main() {
    let run = trunkline_fuzz::target("event").expect("a known target").run;
    afl::fuzz!(|data: &[u8]| run(data));
}
