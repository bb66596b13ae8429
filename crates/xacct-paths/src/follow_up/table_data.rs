//! Reading a table an expectation names (`read_tables`): the Glue calls through IAM and Lake
//! Formation, then the data. The rules are in [`crate::table`] and `xacct_lake`.

use super::{Asked, FollowUp};
use crate::check::Case;

/// The catalog and data requests of the tables an expectation reads.
pub struct TableData;

impl FollowUp for TableData {
    fn alongside(&self, asked: &Asked<'_>) -> Vec<Case> {
        let mut cases: Vec<Case> = Vec::new();
        for name in &asked.expectation.read_tables {
            let base = cases.len();
            cases.extend(
                crate::table::read_table(
                    asked.world,
                    asked.index,
                    asked.expectation,
                    asked.start,
                    asked.options,
                    name,
                )
                .into_iter()
                .map(|mut case| {
                    case.follows = case.follows.map(|follows| follows + base);
                    case
                }),
            );
        }
        cases
    }
}
