//! AFL++ target `gocover`: see fuzz/README.md.

fn main() {
    let run = trunkline_fuzz::target("gocover")
        .expect("a known target")
        .run;
    afl::fuzz!(|data: &[u8]| run(data));
}
