//! Times the Terraform reader on each module directory given.
#![allow(clippy::print_stdout, clippy::unwrap_used)]
use s3_access::iac::terraform::{self, FsReader};
use s3_access::source::SourceFile;
use std::rc::Rc;
fn main() {
    for d in std::env::args().skip(1) {
        let dir = std::path::Path::new(&d);
        let mut tf = Vec::new();
        for p in s3_access::iac::terraform::ModuleReader::tf_files(&FsReader, dir).unwrap() {
            tf.push(SourceFile::new(
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
        let t = std::time::Instant::now();
        let r = terraform::read_module(dir, tf, &[], Rc::new(FsReader));
        println!(
            "{:>8.1} ms {} files {}",
            t.elapsed().as_secs_f64() * 1000.0,
            r.files.len(),
            d
        );
    }
}
