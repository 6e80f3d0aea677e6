//! AFL++ target `gitattributes`: see fuzz/README.md.

fn main() {
    let run = trunkline_fuzz::target("gitattributes")
        .expect("a known target")
        .run;
    afl::fuzz!(|data: &[u8]| run(data));
}
