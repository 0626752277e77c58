//! Which lost writes landed: pure attribution of the results a filtered read found to the
//! writes whose answers were lost, without reading the whole run.
//!
//! Facts it rests on (../shared/testrail-observed.md §3.20, testrail-api.md §7):
//! `add_results_for_cases` is atomic (all results of a request or none), and a request's
//! results get increasing IDs in request order. The read holds what this sync's user created
//! since the oldest lost write was sent; results this sync saw acknowledged are left out by ID
//! before attribution.

use std::collections::{BTreeMap, HashMap};

use testrail_api::models::{Id, NewResult, TestResult};

/// What became of one lost write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// These of its cases have a result: case → (result ID, test ID). With the run's tests
    /// known this may be a part of the write (another job's `update_run` can refuse nothing
    /// yet hide some); without, it is all of it.
    Landed(BTreeMap<Id, (Id, Id)>),
    /// Nothing of it is there.
    Absent,
    /// The read cannot tell (writes that look alike, another writer under the same user):
    /// the caller needs the run's tests to attribute by test ID.
    Unclear,
}

/// Attributes `found` (results not acknowledged to this sync, any order) to the `lost`
/// writes (each as sent, in request order). `tests` maps case → test ID for the cases whose
/// test is known; when it covers every case of the lost writes, attribution is exact.
pub(crate) fn attribute(
    lost: &[&[NewResult]],
    found: &[TestResult],
    tests: &HashMap<Id, Id>,
) -> Vec<Verdict> {
    let covered = lost
        .iter()
        .flat_map(|w| w.iter())
        .all(|r| r.case_id.is_some_and(|c| tests.contains_key(&c)));
    if covered {
        return lost.iter().map(|w| by_test_id(w, found, tests)).collect();
    }
    by_content(lost, found)
}

fn by_test_id(write: &[NewResult], found: &[TestResult], tests: &HashMap<Id, Id>) -> Verdict {
    let case_of_test: HashMap<Id, Id> = write
        .iter()
        .filter_map(|r| r.case_id)
        .filter_map(|c| tests.get(&c).map(|t| (*t, c)))
        .collect();
    let mut landed = BTreeMap::new();
    for result in found {
        if let Some(case) = case_of_test.get(&result.test_id) {
            // The oldest result of the case is the one this write created.
            let entry = landed.entry(*case).or_insert((result.id, result.test_id));
            if result.id < entry.0 {
                *entry = (result.id, result.test_id);
            }
        }
    }
    if landed.is_empty() {
        Verdict::Absent
    } else {
        Verdict::Landed(landed)
    }
}

/// Without test IDs: match each write's results, in ID order, against what it sent (status
/// and comment). Safe only where no two lost writes could claim the same results.
fn by_content(lost: &[&[NewResult]], found: &[TestResult]) -> Vec<Verdict> {
    let mut pool: Vec<&TestResult> = found.iter().collect();
    pool.sort_by_key(|r| r.id);
    if pool.is_empty() {
        return vec![Verdict::Absent; lost.len()];
    }
    // Each write claims its results in turn, so two alike writes never claim the same ones.
    // Whole blocks first: a write commits as one block of consecutive IDs, and concurrent
    // writes may commit in any order, so a write's pattern scattered over two blocks must not
    // be taken for it while its own block is there.
    let mut matches: Vec<Vec<(usize, &TestResult)>> = vec![Vec::new(); lost.len()];
    for (i, write) in lost.iter().enumerate() {
        if let Some(block) = block_match(write, &pool) {
            pool.retain(|r| !block.iter().any(|(_, c)| c.id == r.id));
            matches[i] = block;
        }
    }
    for (i, write) in lost.iter().enumerate() {
        if matches[i].is_empty() {
            let claimed = ordered_match(write, &pool);
            pool.retain(|r| !claimed.iter().any(|(_, c)| c.id == r.id));
            matches[i] = claimed;
        }
    }
    // Results nobody claims: another writer under the same user, or the server changed what
    // we sent. Either way content cannot be trusted to tell what is ours.
    if !pool.is_empty() {
        return vec![Verdict::Unclear; lost.len()];
    }
    let whole = |(w, m): (&&[NewResult], &Vec<(usize, &TestResult)>)| m.len() == w.len();
    // Every write found whole: all landed (writes alike may swap which result is whose, which
    // only matters for attachments, and they are alike).
    if lost.iter().zip(&matches).all(whole) {
        return landed_all(lost, &matches);
    }
    if !pairwise_disjoint(lost) {
        return vec![Verdict::Unclear; lost.len()];
    }
    lost.iter()
        .zip(&matches)
        .map(|(w, m)| match m.len() {
            0 => Verdict::Absent,
            n if n == w.len() => landed_one(w, m),
            _ => Verdict::Unclear,
        })
        .collect()
}

fn landed_all(lost: &[&[NewResult]], matches: &[Vec<(usize, &TestResult)>]) -> Vec<Verdict> {
    lost.iter()
        .zip(matches)
        .map(|(w, m)| landed_one(w, m))
        .collect()
}

fn landed_one(write: &[NewResult], matched: &[(usize, &TestResult)]) -> Verdict {
    Verdict::Landed(
        matched
            .iter()
            .filter_map(|(i, r)| write[*i].case_id.map(|c| (c, (r.id, r.test_id))))
            .collect(),
    )
}

/// The first run of consecutive results in `pool` (sorted by ID) that looks like `write`.
fn block_match<'r>(
    write: &[NewResult],
    pool: &[&'r TestResult],
) -> Option<Vec<(usize, &'r TestResult)>> {
    if write.is_empty() || pool.len() < write.len() {
        return None;
    }
    pool.windows(write.len())
        .find(|w| {
            w.iter()
                .zip(write)
                .all(|(found, sent)| looks_like(sent, found))
        })
        .map(|w| w.iter().copied().enumerate().collect())
}

/// The longest prefix of `write` found, in order, among `pool` (sorted by ID); each pair is
/// (index in the write, the result).
fn ordered_match<'r>(write: &[NewResult], pool: &[&'r TestResult]) -> Vec<(usize, &'r TestResult)> {
    let mut out = Vec::new();
    let mut next = 0;
    for result in pool {
        if next == write.len() {
            break;
        }
        if looks_like(&write[next], result) {
            out.push((next, *result));
            next += 1;
        }
    }
    out
}

fn looks_like(sent: &NewResult, found: &TestResult) -> bool {
    let text = |t: Option<&str>| t.map(str::trim).unwrap_or_default().to_owned();
    sent.status_id == found.status_id
        && text(sent.comment.as_deref()) == text(found.comment.as_deref())
}

/// No result of one write looks like a result of another.
fn pairwise_disjoint(lost: &[&[NewResult]]) -> bool {
    let key = |r: &NewResult| {
        (
            r.status_id,
            r.comment
                .as_deref()
                .map(str::trim)
                .unwrap_or_default()
                .to_owned(),
        )
    };
    let mut owner: HashMap<(Option<Id>, String), usize> = HashMap::new();
    for (i, write) in lost.iter().enumerate() {
        for r in write.iter() {
            if *owner.entry(key(r)).or_insert(i) != i {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(case: Id, status: Id, comment: Option<&str>) -> NewResult {
        NewResult {
            case_id: Some(case),
            status_id: Some(status),
            comment: comment.map(str::to_owned),
            ..Default::default()
        }
    }

    fn found(id: Id, test: Id, status: Id, comment: Option<&str>) -> TestResult {
        TestResult {
            id,
            test_id: test,
            status_id: Some(status),
            comment: comment.map(str::to_owned),
            ..Default::default()
        }
    }

    #[test]
    fn a_lost_write_found_whole_landed_and_maps_its_cases_by_request_order() {
        let write = vec![sent(1, 1, None), sent(2, 5, Some("boom")), sent(3, 1, None)];
        // Newest first, as TestRail answers.
        let read = vec![
            found(12, 103, 1, None),
            found(11, 102, 5, Some("boom")),
            found(10, 101, 1, None),
        ];
        let verdicts = attribute(&[&write], &read, &HashMap::new());
        let expected: BTreeMap<Id, (Id, Id)> =
            [(1, (10, 101)), (2, (11, 102)), (3, (12, 103))].into();
        assert_eq!(verdicts, vec![Verdict::Landed(expected)]);
    }

    #[test]
    fn nothing_new_means_absent_and_anything_unexplained_means_unclear() {
        let write = vec![sent(1, 1, None), sent(2, 1, None)];
        assert_eq!(
            attribute(&[&write], &[], &HashMap::new()),
            vec![Verdict::Absent]
        );
        // Another job under the same user wrote meanwhile: only test IDs can tell.
        let other = vec![found(40, 900, 5, Some("another job's failure"))];
        assert_eq!(
            attribute(&[&write], &other, &HashMap::new()),
            vec![Verdict::Unclear]
        );
        let tests: HashMap<Id, Id> = [(1, 100), (2, 101)].into();
        assert_eq!(attribute(&[&write], &other, &tests), vec![Verdict::Absent]);
    }

    #[test]
    fn two_lost_writes_alike_with_one_landed_need_the_tests() {
        let first = vec![sent(1, 1, None), sent(2, 1, None)];
        let second = vec![sent(3, 1, None), sent(4, 1, None)];
        let read = vec![found(21, 203, 1, None), found(20, 202, 1, None)];
        assert_eq!(
            attribute(&[&first, &second], &read, &HashMap::new()),
            vec![Verdict::Unclear, Verdict::Unclear]
        );
        // With the run's tests, exact: only the second landed.
        let tests: HashMap<Id, Id> = [(1, 200), (2, 201), (3, 202), (4, 203)].into();
        assert_eq!(
            attribute(&[&first, &second], &read, &tests),
            vec![
                Verdict::Absent,
                Verdict::Landed([(3, (20, 202)), (4, (21, 203))].into())
            ]
        );
    }

    #[test]
    fn lost_writes_that_differ_are_told_apart_by_content() {
        let first = vec![sent(1, 5, Some("a broke"))];
        let second = vec![sent(2, 5, Some("b broke"))];
        let read = vec![found(30, 302, 5, Some("b broke"))];
        assert_eq!(
            attribute(&[&first, &second], &read, &HashMap::new()),
            vec![Verdict::Absent, Verdict::Landed([(2, (30, 302))].into())]
        );
        // Both whole: both landed, even when alike.
        let a = vec![sent(1, 1, None)];
        let b = vec![sent(2, 1, None)];
        let both = vec![found(8, 81, 1, None), found(9, 82, 1, None)];
        assert_eq!(
            attribute(&[&a, &b], &both, &HashMap::new()),
            vec![
                Verdict::Landed([(1, (8, 81))].into()),
                Verdict::Landed([(2, (9, 82))].into())
            ]
        );
    }

    #[test]
    fn concurrent_writes_committed_out_of_order_are_matched_by_block() {
        // The second write committed first; a scattered match of the first over both blocks
        // would leave results nobody claims.
        let first = vec![sent(1, 1, None), sent(2, 5, Some("one")), sent(3, 1, None)];
        let second = vec![sent(4, 1, None), sent(5, 1, None), sent(6, 5, Some("six"))];
        let read = vec![
            found(10, 104, 1, None),
            found(11, 105, 1, None),
            found(12, 106, 5, Some("six")),
            found(13, 101, 1, None),
            found(14, 102, 5, Some("one")),
            found(15, 103, 1, None),
        ];
        assert_eq!(
            attribute(&[&first, &second], &read, &HashMap::new()),
            vec![
                Verdict::Landed([(1, (13, 101)), (2, (14, 102)), (3, (15, 103))].into()),
                Verdict::Landed([(4, (10, 104)), (5, (11, 105)), (6, (12, 106))].into()),
            ]
        );
    }

    #[test]
    fn a_part_of_a_write_without_the_tests_is_unclear() {
        let write = vec![sent(1, 5, Some("x")), sent(2, 5, Some("y"))];
        let read = vec![found(5, 50, 5, Some("x"))];
        assert_eq!(
            attribute(&[&write], &read, &HashMap::new()),
            vec![Verdict::Unclear]
        );
    }
}
