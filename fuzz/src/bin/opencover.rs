//! AFL++ target `opencover`: see fuzz/README.md.

fn main() {
    let run = trunkline_fuzz::target("opencover")
        .expect("a known target")
        .run;
    afl::fuzz!(|data: &[u8]| run(data));
}
