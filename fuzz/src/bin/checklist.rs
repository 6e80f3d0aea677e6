//! AFL++ target `checklist`: see fuzz/README.md.

fn main() {
    let run = trunkline_fuzz::target("checklist")
        .expect("a known target")
        .run;
    afl::fuzz!(|data: &[u8]| run(data));
}
