//! `testrail-sync cases check|create`: which tests map to cases of the suite, and — opt-in,
//! never as a side effect of `report` — creating sections and cases for the tests that do not,
//! so teams can put the new IDs into their test names. Also the `--match-by-title` pre-pass
//! `report` uses to map ID-less tests to existing cases by exact title.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use testrail_api::Client;
use testrail_api::models::{AddSection, CaseFields, Id};
use testrail_reports::TestExecution;
use testrail_sync::new_cases::walk;
use testrail_sync::{Exit, ProjectRef, SuiteRef, by_title, titles};

use crate::cli::{CasesCommand, CheckArgs, Common, CreateArgs, OutputFormat};
use crate::config::{self, FileConfig, Loaded};
use crate::fail::{Failure, bad_input};
use crate::inputs::{self, ReportFlags};

/// TestRail refuses case titles longer than this.
const MAX_TITLE: usize = 250;

pub async fn run(command: CasesCommand, loaded: Loaded) -> Result<Exit, Failure> {
    match command {
        CasesCommand::Check(args) => check(args, &loaded.file).await,
        CasesCommand::Create(args) => create(args, &loaded.file).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Reading tests
// ---------------------------------------------------------------------------------------------

/// One distinct test of the reports (parametrized reruns of the same name count once).
#[derive(Debug, Clone, Serialize)]
pub struct TestRow {
    pub test: String,
    /// The bare test name: the title a new case gets.
    #[serde(skip)]
    pub name: String,
    pub case_ids: Vec<Id>,
    pub location: String,
}

fn read_tests(common: &Common, file: &FileConfig) -> Result<Vec<TestRow>, Failure> {
    let input = inputs::report_input(
        &ReportFlags {
            files: &common.files,
            mapping: &common.mapping,
            match_by_title: common.match_by_title,
        },
        file,
    )?;
    let matcher = &input.matcher;
    let mut rows: Vec<TestRow> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut sink = |e: TestExecution| {
        let test = e.full_name();
        let ids = matcher.case_ids(&e);
        if ids.is_empty() && e.carried_by_parent {
            // A TAP point inside a subtest (a node-tap assertion): its parent's point is the row.
            return;
        }
        match seen.get(&test) {
            Some(&i) => {
                for id in ids {
                    if !rows[i].case_ids.contains(&id) {
                        rows[i].case_ids.push(id);
                    }
                }
            }
            None => {
                seen.insert(test.clone(), rows.len());
                rows.push(TestRow {
                    test,
                    name: e.name.trim().to_owned(),
                    case_ids: ids,
                    location: e.location.to_string(),
                });
            }
        }
    };
    testrail_sync::read_each(&input, &mut sink)?;
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// Project, suite and its cases
// ---------------------------------------------------------------------------------------------

/// The project and suite a command works on, resolved with as few reads as `report` makes.
pub struct Target {
    pub project_id: Id,
    pub suite_id: Id,
    pub suite_name: String,
}

fn refs(common: &Common, file: &FileConfig) -> Result<(ProjectRef, Option<SuiteRef>), Failure> {
    Ok((
        common.target.project_ref(file)?,
        common.target.suite_ref(file),
    ))
}

pub async fn resolve(
    client: &Client,
    project: &ProjectRef,
    suite: Option<&SuiteRef>,
) -> Result<Target, Failure> {
    let found = testrail_sync::resolve_target(client, project, suite).await?;
    Ok(Target {
        project_id: found.project_id,
        suite_id: found.suite_id,
        suite_name: found.suite_name,
    })
}

// ---------------------------------------------------------------------------------------------
// cases check
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default, Serialize)]
struct CheckReport {
    project_id: Id,
    suite_id: Id,
    tests: usize,
    mapped: Vec<Mapped>,
    unmapped: Vec<TestRow>,
    /// IDs found in the reports that no suite of the project has.
    unknown: Vec<IdUse>,
    /// IDs that belong to another suite of the project (reports would not post them).
    other_suite: Vec<IdUse>,
}

#[derive(Debug, Serialize)]
struct Mapped {
    test: String,
    case_ids: Vec<Id>,
    by_title: bool,
}

#[derive(Debug, Serialize)]
struct IdUse {
    test: String,
    case_id: Id,
    #[serde(skip_serializing_if = "Option::is_none")]
    suite_id: Option<Id>,
    location: String,
}

async fn check(args: CheckArgs, file: &FileConfig) -> Result<Exit, Failure> {
    let common = &args.common;
    let tests = read_tests(common, file)?;
    let (project, suite) = refs(common, file)?;
    let client = config::client(&common.connection, file)?;
    let target = resolve(&client, &project, suite.as_ref()).await?;
    let cases = client
        .get_cases(target.project_id, Some(target.suite_id))
        .await?;
    let in_suite: BTreeSet<Id> = cases.iter().map(|c| c.id).collect();
    let title_map = titles(&cases);
    let foreign: BTreeSet<Id> = tests
        .iter()
        .flat_map(|t| t.case_ids.iter().copied())
        .filter(|id| !in_suite.contains(id))
        .collect();
    let elsewhere = other_suites(&client, &target, &foreign).await?;

    let mut out = CheckReport {
        project_id: target.project_id,
        suite_id: target.suite_id,
        tests: tests.len(),
        ..CheckReport::default()
    };
    for t in tests {
        if t.case_ids.is_empty() {
            match by_title(&title_map, &t.name, &t.test).filter(|_| common.match_by_title) {
                Some(id) => out.mapped.push(Mapped {
                    test: t.test,
                    case_ids: vec![id],
                    by_title: true,
                }),
                None => out.unmapped.push(t),
            }
            continue;
        }
        let known: Vec<Id> = t
            .case_ids
            .iter()
            .copied()
            .filter(|id| in_suite.contains(id))
            .collect();
        for &id in t.case_ids.iter().filter(|id| !in_suite.contains(id)) {
            let usage = IdUse {
                test: t.test.clone(),
                case_id: id,
                suite_id: elsewhere.get(&id).copied(),
                location: t.location.clone(),
            };
            match usage.suite_id {
                Some(_) => out.other_suite.push(usage),
                None => out.unknown.push(usage),
            }
        }
        if !known.is_empty() {
            out.mapped.push(Mapped {
                test: t.test,
                case_ids: known,
                by_title: false,
            });
        }
    }
    match common.format {
        OutputFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&out).expect("serialisable")
        ),
        OutputFormat::Human => print!("{}", check_table(&out, &target)),
    }
    let clean = out.unmapped.is_empty() && out.unknown.is_empty() && out.other_suite.is_empty();
    Ok(if args.fail_on_unmapped && !clean {
        Exit::Unmapped
    } else {
        Exit::Ok
    })
}

/// Which of `ids` other suites of the project hold (one `get_cases` listing per other suite,
/// and none at all when every ID is in the suite).
async fn other_suites(
    client: &Client,
    target: &Target,
    ids: &BTreeSet<Id>,
) -> Result<BTreeMap<Id, Id>, Failure> {
    let mut found = BTreeMap::new();
    if ids.is_empty() {
        return Ok(found);
    }
    for suite in client.get_suites(target.project_id).await? {
        if suite.id == target.suite_id {
            continue;
        }
        for case in client.get_cases(target.project_id, Some(suite.id)).await? {
            if ids.contains(&case.id) {
                found.insert(case.id, suite.id);
            }
        }
    }
    Ok(found)
}

fn check_table(r: &CheckReport, target: &Target) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    for m in &r.mapped {
        let ids = ids_text(&m.case_ids);
        let state = if m.by_title { "by title" } else { "mapped" };
        rows.push(vec![state.into(), ids, m.test.clone()]);
    }
    for u in &r.unmapped {
        rows.push(vec!["unmapped".into(), String::new(), u.test.clone()]);
    }
    for u in &r.other_suite {
        let suite = u
            .suite_id
            .map(|s| format!(" (suite S{s})"))
            .unwrap_or_default();
        rows.push(vec![
            "other suite".into(),
            format!("C{}{suite}", u.case_id),
            u.test.clone(),
        ]);
    }
    for u in &r.unknown {
        rows.push(vec![
            "unknown".into(),
            format!("C{}", u.case_id),
            u.test.clone(),
        ]);
    }
    let distinct = |uses: &[IdUse]| {
        uses.iter()
            .map(|u| u.case_id)
            .collect::<BTreeSet<_>>()
            .len()
    };
    let mut out = crate::lookups::table(&["STATE", "CASES", "TEST"], &rows);
    out.push_str(&format!(
        "\n{} tests against suite S{} \"{}\": {} mapped, {} without a case ID; case IDs not in the suite: {}, of another suite: {}\n",
        r.tests,
        target.suite_id,
        target.suite_name,
        r.mapped.len(),
        r.unmapped.len(),
        distinct(&r.unknown),
        distinct(&r.other_suite)
    ));
    if !r.unmapped.is_empty() {
        out.push_str(
            "Add C123 to their names (or a test_id property), or create cases for them: \
             testrail-sync cases create FILES --section PATH --yes\n",
        );
    }
    out
}

fn ids_text(ids: &[Id]) -> String {
    ids.iter()
        .map(|i| format!("C{i}"))
        .collect::<Vec<_>>()
        .join(",")
}

// ---------------------------------------------------------------------------------------------
// cases create
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct CreateReport {
    dry_run: bool,
    project_id: Id,
    suite_id: Id,
    section: String,
    section_id: Option<Id>,
    created_sections: Vec<String>,
    /// Every test without a case ID and the case it has (or would get).
    cases: Vec<NewCase>,
}

#[derive(Debug, Serialize)]
struct NewCase {
    test: String,
    title: String,
    /// None in a dry run for a case still to create.
    case_id: Option<Id>,
    /// The section already had a case with this title (an earlier `cases create`): reused.
    existing: bool,
    location: String,
}

async fn create(args: CreateArgs, file: &FileConfig) -> Result<Exit, Failure> {
    let common = &args.common;
    let path = section_path(&args.section)?;
    let mut custom = case_fields(&args.case_field)?;
    let tests = read_tests(common, file)?;
    let (project, suite) = refs(common, file)?;
    let client = config::client(&common.connection, file)?;
    let target = resolve(&client, &project, suite.as_ref()).await?;
    let cases = client
        .get_cases(target.project_id, Some(target.suite_id))
        .await?;
    let wanted = missing(tests, &titles(&cases), common.match_by_title);
    let type_id = match &args.case_type {
        Some(name) => Some(case_type(&client, name).await?),
        None => None,
    };
    let priority_id = match &args.priority {
        Some(name) => Some(priority(&client, name).await?),
        None => None,
    };
    let sections = client
        .get_sections(target.project_id, Some(target.suite_id))
        .await?;
    let (existing, to_create) = walk(&sections, &path);
    let section_id = if to_create.is_empty() { existing } else { None };
    // Running `cases create` twice must not duplicate cases: titles the section already has
    // are reused, whatever --match-by-title says.
    let in_section: HashMap<String, Id> = cases
        .iter()
        .filter(|c| Some(c.section_id) == section_id)
        .map(|c| (c.title.trim().to_owned(), c.id))
        .collect();
    let mut report = CreateReport {
        dry_run: !args.yes,
        project_id: target.project_id,
        suite_id: target.suite_id,
        section: path.join("/"),
        section_id,
        created_sections: Vec::new(),
        cases: Vec::new(),
    };
    let mut to_add = Vec::new();
    for (t, title) in wanted {
        let case_id = in_section.get(&title).copied();
        let entry = NewCase {
            test: t.test,
            existing: case_id.is_some(),
            case_id,
            title,
            location: t.location,
        };
        if !entry.existing {
            to_add.push(report.cases.len());
        }
        report.cases.push(entry);
    }
    if !to_add.is_empty() {
        // Before the first write (and in the preview too): cases TestRail would refuse for a
        // missing or mistyped custom field stop here, with labels turned into IDs.
        custom = testrail_sync::preflight::new_case_fields(&client, target.project_id, &custom)
            .await
            .map_err(Failure::from)?;
    }
    if to_add.is_empty() || !args.yes {
        if !to_add.is_empty() {
            report.created_sections = to_create.iter().map(|i| path[..=*i].join("/")).collect();
        }
        print_create(&report, common.format);
        return Ok(Exit::Ok);
    }
    let (section_id, created) = create_sections(
        &client,
        &target,
        &path,
        existing,
        &to_create,
        "Created by testrail-sync cases create",
    )
    .await?;
    report
        .created_sections
        .extend(created.iter().map(|s| s.path.clone()));
    report.section_id = Some(section_id);
    for i in to_add {
        let entry = &mut report.cases[i];
        let fields = CaseFields {
            title: Some(entry.title.clone()),
            type_id,
            priority_id,
            custom: custom.clone(),
            ..CaseFields::default()
        };
        entry.case_id = Some(client.add_case(section_id, &fields).await?.id);
    }
    print_create(&report, common.format);
    Ok(Exit::Ok)
}

fn section_path(text: &str) -> Result<Vec<String>, Failure> {
    let parts: Vec<String> = text
        .split('/')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    if parts.is_empty() {
        return Err(bad_input(
            "--section: give a section path such as \"Automated\" or \"Automated/Checkout\"",
        ));
    }
    crate::inputs::check_name_length("--section", parts.iter().map(String::as_str))?;
    Ok(parts)
}

pub fn case_fields(flags: &[String]) -> Result<BTreeMap<String, serde_json::Value>, Failure> {
    let mut fields = BTreeMap::new();
    for flag in flags {
        let Some((key, value)) = flag.split_once('=') else {
            return Err(bad_input(format!(
                "--case-field {flag}: expected KEY=VALUE, e.g. custom_automation_type=1"
            )));
        };
        let value = serde_json::from_str(value)
            .unwrap_or_else(|_| serde_json::Value::String(value.to_owned()));
        fields.insert(key.trim().to_owned(), value);
    }
    Ok(fields)
}

/// Tests that need a new case, with the title each gets. A name several unmapped tests share
/// gets the class in front, so every new case can later be matched by title unambiguously.
fn missing(
    tests: Vec<TestRow>,
    titles: &HashMap<String, Id>,
    match_by_title: bool,
) -> Vec<(TestRow, String)> {
    let unmapped: Vec<TestRow> = tests
        .into_iter()
        .filter(|t| t.case_ids.is_empty())
        .filter(|t| !(match_by_title && by_title(titles, &t.name, &t.test).is_some()))
        .collect();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for t in &unmapped {
        *count.entry(t.name.as_str()).or_default() += 1;
    }
    let titled: Vec<String> = unmapped
        .iter()
        .map(|t| {
            let title = if count[t.name.as_str()] > 1 || t.name.is_empty() {
                &t.test
            } else {
                &t.name
            };
            truncate(title.trim(), MAX_TITLE)
        })
        .collect();
    unmapped.into_iter().zip(titled).collect()
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut t: String = s.chars().take(max - 1).collect();
    t.push('…');
    t
}

/// A section made by [`create_sections`].
struct CreatedSection {
    /// Its path, parts joined with `/`.
    path: String,
}

/// Creates the parts `to_create` of `path` (as [`walk`] found them) below `parent`, each inside
/// the last; returns the deepest section's ID and what was created.
async fn create_sections(
    client: &Client,
    target: &Target,
    path: &[String],
    parent: Option<Id>,
    to_create: &[usize],
    description: &str,
) -> Result<(Id, Vec<CreatedSection>), Failure> {
    let mut parent = parent;
    let mut created = Vec::new();
    for &i in to_create {
        let section = client
            .add_section(
                target.project_id,
                &AddSection {
                    name: path[i].clone(),
                    description: Some(description.into()),
                    suite_id: Some(target.suite_id),
                    parent_id: parent,
                },
            )
            .await?;
        parent = Some(section.id);
        created.push(CreatedSection {
            path: path[..=i].join("/"),
        });
    }
    let id = parent.expect("a section path has at least one part, or an existing section");
    Ok((id, created))
}

async fn case_type(client: &Client, name: &str) -> Result<Id, Failure> {
    let types = client.get_case_types().await?;
    types
        .iter()
        .find(|t| t.name.eq_ignore_ascii_case(name.trim()))
        .map(|t| t.id)
        .ok_or_else(|| {
            let names: Vec<&str> = types.iter().map(|t| t.name.as_str()).collect();
            bad_input(format!(
                "--type {name}: no such case type; available: {}",
                names.join(", ")
            ))
        })
}

async fn priority(client: &Client, name: &str) -> Result<Id, Failure> {
    let priorities = client.get_priorities().await?;
    let wanted = name.trim();
    priorities
        .iter()
        .find(|p| {
            // TestRail names priorities "3 - High"; people say "High".
            let bare = p.name.split_once(" - ").map_or(p.name.as_str(), |(_, n)| n);
            [p.name.as_str(), p.short_name.as_str(), bare]
                .iter()
                .any(|n| n.trim().eq_ignore_ascii_case(wanted))
        })
        .map(|p| p.id)
        .ok_or_else(|| {
            let names: Vec<&str> = priorities.iter().map(|p| p.name.as_str()).collect();
            bad_input(format!(
                "--priority {name}: no such priority; available: {}",
                names.join(", ")
            ))
        })
}

fn print_create(r: &CreateReport, format: OutputFormat) {
    if format == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(r).expect("serialisable"));
        return;
    }
    if r.cases.is_empty() {
        println!("Every test maps to a case; nothing to create.");
        return;
    }
    let new = r.cases.iter().filter(|c| !c.existing).count();
    if r.dry_run && new > 0 {
        println!(
            "Would create {new} cases in section \"{}\" of suite S{} (run again with --yes to create them):",
            r.section, r.suite_id
        );
        for s in &r.created_sections {
            println!("  new section  {s}");
        }
    } else if new == 0 {
        println!(
            "The section \"{}\" already has a case for every test without an ID; nothing created:",
            r.section
        );
    } else {
        for s in &r.created_sections {
            println!("Created section \"{s}\"");
        }
        println!(
            "Created {new} cases in section \"{}\" (S{}). Put the IDs into the test names \
             (e.g. `test_C123_login`) or a test_id property:",
            r.section,
            r.section_id.unwrap_or_default()
        );
    }
    let rows: Vec<Vec<String>> = r
        .cases
        .iter()
        .map(|c| {
            let id = c.case_id.map(|i| format!("C{i}")).unwrap_or("new".into());
            let note = if c.existing { "exists" } else { "" };
            vec![id, c.test.clone(), note.into()]
        })
        .collect();
    print!(
        "{}",
        crate::lookups::table(&["CASE", "TEST", "NOTE"], &rows)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use testrail_api::models::{Case, Section};

    fn section(id: Id, name: &str, parent: Option<Id>) -> Section {
        Section {
            id,
            name: name.into(),
            parent_id: parent,
            ..Section::default()
        }
    }

    #[test]
    fn walk_finds_the_deepest_existing_section_by_parent() {
        let sections = [
            section(1, "Automated", None),
            section(2, "Checkout", Some(1)),
            section(3, "Checkout", None),
        ];
        let path = |p: &str| section_path(p).unwrap();
        assert_eq!(
            walk(&sections, &path("Automated/Checkout")),
            (Some(2), vec![])
        );
        assert_eq!(walk(&sections, &path("Automated/Cart")), (Some(1), vec![1]));
        assert_eq!(walk(&sections, &path("New/Cart")), (None, vec![0, 1]));
        assert_eq!(walk(&sections, &path("/Checkout/")), (Some(3), vec![]));
        assert!(section_path(" / ").is_err());
    }

    #[test]
    fn shared_titles_are_ambiguous_and_left_out() {
        let case = |id, title: &str| Case {
            id,
            title: title.into(),
            ..Case::default()
        };
        let map = titles(&[case(1, "login"), case(2, "login"), case(3, "logout ")]);
        assert_eq!(map.get("login"), None);
        assert_eq!(by_title(&map, "logout", "x logout"), Some(3));
    }

    #[test]
    fn duplicate_names_get_their_class_in_the_title() {
        let row = |test: &str, name: &str| TestRow {
            test: test.into(),
            name: name.into(),
            case_ids: vec![],
            location: String::new(),
        };
        let rows = vec![
            row("a.A test_x", "test_x"),
            row("b.B test_x", "test_x"),
            row("c test_y", "test_y"),
        ];
        let titles: Vec<String> = missing(rows, &HashMap::new(), false)
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        assert_eq!(titles, ["a.A test_x", "b.B test_x", "test_y"]);
        assert_eq!(truncate("abcdef", 4), "abc…");
    }
}
