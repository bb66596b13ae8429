//! One fix for what several failures need: a trust statement that both the read and the write
//! expectation miss is one fix that mends both, printed and applied once.

use crate::check::Report;
use crate::fix::Fix;

impl Report {
    /// Every distinct fix the report suggests, once, with what it mends: a fix that several
    /// failing expectations need (one trust statement for a read and a write) is one fix.
    pub fn distinct_fixes(&self) -> Vec<SharedFix<'_>> {
        fn add<'r>(out: &mut Vec<SharedFix<'r>>, fix: &'r Fix, mended: Mended) {
            match out.iter_mut().find(|shared| same_fix(shared.fix, fix)) {
                Some(shared) => {
                    if !shared.mends.contains(&mended) {
                        shared.mends.push(mended);
                    }
                }
                None => out.push(SharedFix {
                    fix,
                    mends: vec![mended],
                }),
            }
        }
        let mut out: Vec<SharedFix<'_>> = Vec::new();
        for (index, result) in self.expectations.iter().enumerate() {
            for case in result.failing_cases() {
                if let Some(Ok(fixes)) = &case.fixes {
                    for fix in fixes {
                        add(&mut out, fix, Mended::Expectation(index));
                    }
                }
            }
        }
        for (index, check) in self.compute.iter().enumerate() {
            if let Some(fix) = &check.fix {
                add(&mut out, fix, Mended::Compute(index));
            }
        }
        out
    }
}

/// What a fix mends: an expectation or a compute check, by index in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mended {
    Expectation(usize),
    Compute(usize),
}

/// One fix and everything it mends.
#[derive(Debug, Clone)]
pub struct SharedFix<'r> {
    pub fix: &'r Fix,
    pub mends: Vec<Mended>,
}

/// Two fixes are one when they change the same document in the same way.
pub fn same_fix(one: &Fix, other: &Fix) -> bool {
    one.target == other.target
        && one.statement == other.statement
        && one.account == other.account
        && one.summary == other.summary
}
