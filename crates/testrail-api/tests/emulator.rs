//! The client against the emulator over real HTTP on 127.0.0.1: pagination, every error kind,
//! retries and their request counts, Retry-After, pacing, ambiguous writes and the typed calls.

use std::time::{Duration, Instant};

use futures_util::{StreamExt, TryStreamExt};
use testrail_api::models::*;
use testrail_api::{ApiError, ApiKey, Client, ClientConfig, RetryPolicy};
use testrail_emulator::{DEMO_EMAIL, DEMO_KEY, Emulator, EmulatorConfig, Faults};

async fn emulator() -> Emulator {
    emulator_with(EmulatorConfig::default()).await
}

async fn emulator_with(cfg: EmulatorConfig) -> Emulator {
    testrail_emulator::start(EmulatorConfig {
        bind: ([127, 0, 0, 1], 0).into(),
        ..cfg
    })
    .await
    .expect("emulator starts")
}

fn quick_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(40),
        deadline: Duration::from_secs(20),
    }
}

fn config(emu: &Emulator) -> ClientConfig {
    let mut cfg = ClientConfig::new(emu.url(), DEMO_EMAIL, ApiKey::new(DEMO_KEY));
    cfg.rate_limit_per_minute = None;
    cfg.retry = quick_retries(8);
    cfg.timeout = Duration::from_secs(10);
    cfg
}

fn client(emu: &Emulator) -> Client {
    Client::new(config(emu)).unwrap()
}

/// A project (single suite) with one suite and one section.
async fn project(c: &Client) -> (Id, Id, Id) {
    let p = c
        .add_project(&AddProject {
            name: "Shop".into(),
            suite_mode: Some(3),
            ..Default::default()
        })
        .await
        .unwrap();
    let s = c
        .add_suite(
            p.id,
            &AddSuite {
                name: "Main".into(),
                description: None,
            },
        )
        .await
        .unwrap();
    let sec = c
        .add_section(
            p.id,
            &AddSection {
                name: "Checkout".into(),
                suite_id: Some(s.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    (p.id, s.id, sec.id)
}

/// Adds `n` cases, 8 at a time, and returns their IDs in ascending order (the order TestRail
/// lists them in; concurrent adds may be numbered out of submission order).
async fn add_cases(c: &Client, section_id: Id, n: usize) -> Vec<Id> {
    let mut ids: Vec<Id> = futures_util::stream::iter(0..n)
        .map(|i| {
            let c = c.clone();
            async move {
                let fields = CaseFields {
                    title: Some(format!("case {i}")),
                    ..Default::default()
                };
                c.add_case(section_id, &fields).await.map(|case| case.id)
            }
        })
        .buffered(8)
        .try_collect()
        .await
        .unwrap();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn pagination_follows_next_links_across_pages_lazily() {
    let emu = emulator().await;
    let c = client(&emu);
    let (pid, sid, sec) = project(&c).await;
    let ids = add_cases(&c, sec, 600).await;
    let before = c.request_count();

    let cases = c.get_cases(pid, Some(sid)).await.unwrap();
    assert_eq!(cases.len(), 600);
    assert_eq!(
        cases.iter().map(|c| c.id).collect::<Vec<_>>(),
        ids,
        "all pages, in order"
    );
    assert_eq!(c.request_count() - before, 3, "250 + 250 + 100");

    // The stream fetches a page only when the previous one is used up.
    let first: Vec<Case> = c
        .paginate(&format!("get_cases/{pid}&suite_id={sid}"), "cases")
        .take(10)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first.len(), 10);
    assert_eq!(c.request_count() - before, 4);

    // Smaller pages via an explicit limit keep their filters in the next links.
    let small: Vec<Case> = c
        .get_all(
            &format!("get_cases/{pid}&suite_id={sid}&limit=100"),
            "cases",
        )
        .await
        .unwrap();
    assert_eq!(small.len(), 600);
    assert_eq!(c.request_count() - before, 4 + 6);
}

#[tokio::test]
async fn errors_keep_status_endpoint_and_testrail_text() {
    let emu = emulator().await;
    let c = client(&emu);

    let mut wrong = config(&emu);
    wrong.api_key = ApiKey::new("not-the-key");
    let wrong = Client::new(wrong).unwrap();
    let e = wrong.get_statuses().await.unwrap_err();
    assert!(e.is_auth(), "{e:?}");
    assert_eq!(wrong.request_count(), 1, "401 is final");
    assert!(
        e.to_string().contains("TESTRAIL_USER / TESTRAIL_API_KEY"),
        "{e}"
    );

    let e = c.get_run(987_654).await.unwrap_err();
    assert_eq!(e.status(), Some(400));
    let text = e.testrail_message().expect("TestRail's text is kept");
    assert!(
        text.contains("Field :run is not a valid test run."),
        "{text}"
    );
    assert!(
        e.to_string().contains("get_run/987654") && e.to_string().contains(text),
        "{e}"
    );
    assert!(!e.is_retryable());

    let e = c
        .get::<serde_json::Value>("get_no_such_thing/1")
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404), "{e:?}");
    assert!(
        e.to_string()
            .contains("unknown endpoint get_no_such_thing/1"),
        "{e}"
    );

    let e = c
        .get_user_by_email("nobody+x@example.com")
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400), "{e:?}");

    let insecure = Client::new(ClientConfig::new(
        "http://testrail.example.com",
        DEMO_EMAIL,
        ApiKey::new(DEMO_KEY),
    ));
    assert!(matches!(insecure, Err(ApiError::InsecureHttp { .. })));
}

#[tokio::test]
async fn reads_retry_through_server_errors_and_every_attempt_is_counted() {
    let emu = emulator().await;
    let c = client(&emu);
    emu.set_faults(Faults {
        fail_rate: 0.4,
        seed: 7,
        ..Faults::default()
    });
    for _ in 0..20 {
        let statuses = c
            .get_statuses()
            .await
            .expect("retries hide a 40% failure rate");
        assert!(statuses.len() >= 5);
    }
    let stats = c.stats();
    assert!(
        stats.retries > 0 && stats.http_errors == stats.retries,
        "{stats:?}"
    );
    assert_eq!(stats.sent, 20 + stats.retries);
    assert_eq!(
        emu.stats().requests,
        stats.sent,
        "the client counts what the server saw"
    );
}

#[tokio::test]
async fn writes_are_not_resent_after_a_server_error_unless_idempotent() {
    let emu = emulator().await;
    let c = client(&emu);
    let (pid, sid, _) = project(&c).await;
    let run = c
        .add_run(
            pid,
            &RunFields {
                suite_id: Some(sid),
                name: Some("r".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    emu.set_faults(Faults {
        fail_rate: 1.0,
        seed: 1,
        ..Faults::default()
    });
    let before = c.request_count();

    let e = c
        .add_run(
            pid,
            &RunFields {
                suite_id: Some(sid),
                name: Some("r2".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(e.is_ambiguous(), "{e:?}");
    assert_eq!(c.request_count() - before, 1);

    let e = c
        .update_run(
            run.id,
            &RunFields {
                name: Some("renamed".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(e, ApiError::GaveUp { attempts: 8, .. }), "{e:?}");
    assert!(!e.is_retryable() && e.status().is_some_and(|s| s >= 500));
    assert_eq!(c.request_count() - before, 1 + 8);
}

#[tokio::test]
async fn a_write_applied_before_the_connection_dropped_is_reported_ambiguous() {
    let emu = emulator().await;
    let c = client(&emu);
    let (pid, sid, sec) = project(&c).await;
    let case = add_cases(&c, sec, 1).await[0];
    let run = c
        .add_run(
            pid,
            &RunFields {
                suite_id: Some(sid),
                name: Some("r".into()),
                include_all: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    emu.set_faults(Faults {
        drop_after_commit_rate: 1.0,
        seed: 3,
        ..Faults::default()
    });
    let before = c.request_count();

    let results = [NewResult {
        case_id: Some(case),
        status_id: Some(1),
        ..Default::default()
    }];
    let e = c.add_results_for_cases(run.id, &results).await.unwrap_err();
    assert!(e.is_ambiguous(), "{e:?}");
    assert!(e.to_string().contains("add_results_for_cases"), "{e}");
    assert_eq!(c.request_count() - before, 1, "not re-sent");

    let e = c
        .add_run(
            pid,
            &RunFields {
                suite_id: Some(sid),
                name: Some("r2".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(e.is_ambiguous(), "{e:?}");

    emu.set_faults(Faults::default());
    assert_eq!(
        c.get_results_for_run(run.id).await.unwrap().len(),
        1,
        "applied exactly once"
    );
    assert_eq!(
        c.get_runs(pid, None).await.unwrap().len(),
        2,
        "the ambiguous add_run did happen"
    );

    // close_run is idempotent: the retry finds the run closed and reports it closed.
    emu.set_faults(Faults {
        drop_after_commit_rate: 1.0,
        seed: 3,
        ..Faults::default()
    });
    let closed = c
        .close_run(run.id)
        .await
        .expect("closing survives a lost answer");
    assert!(closed.is_completed);
}

#[tokio::test]
async fn retry_after_is_honoured_and_pauses_every_clone() {
    let emu = emulator_with(EmulatorConfig {
        rate_window: Duration::from_secs(1),
        ..EmulatorConfig::default()
    })
    .await;
    let c = client(&emu);
    emu.set_faults(Faults {
        rate_limit: 3,
        ..Faults::default()
    });
    let started = Instant::now();
    let calls = (0..6).map(|_| {
        let c = c.clone();
        async move { c.get_statuses().await }
    });
    for r in futures_util::future::join_all(calls).await {
        r.expect("429s are waited out");
    }
    let stats = c.stats();
    assert!(stats.rate_limited >= 1, "{stats:?}");
    // The server asked for at least 1 s (Retry-After is whole seconds there).
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn a_retry_after_beyond_the_deadline_is_not_waited_for() {
    let emu = emulator_with(EmulatorConfig {
        rate_window: Duration::from_secs(60),
        ..EmulatorConfig::default()
    })
    .await;
    emu.set_faults(Faults {
        rate_limit: 1,
        ..Faults::default()
    });
    let mut cfg = config(&emu);
    cfg.retry.deadline = Duration::from_secs(10);
    let c = Client::new(cfg).unwrap();
    c.get_statuses().await.unwrap();
    let started = Instant::now();
    let e = c.get_statuses().await.unwrap_err();
    assert_eq!(e.status(), Some(429), "{e:?}");
    assert!(e.to_string().contains("rate limit"), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "gave up at once"
    );
}

#[tokio::test]
async fn emails_with_plus_signs_survive_the_query_string() {
    let emu = emulator_with(EmulatorConfig {
        users: vec![testrail_emulator::Credential {
            email: "qa+ci@example.com".into(),
            key: "k".into(),
        }],
        ..EmulatorConfig::default()
    })
    .await;
    let mut cfg = config(&emu);
    cfg.user = "qa+ci@example.com".into();
    cfg.api_key = ApiKey::new("k");
    let c = Client::new(cfg).unwrap();
    assert_eq!(
        c.get_user_by_email("qa+ci@example.com")
            .await
            .unwrap()
            .email,
        "qa+ci@example.com"
    );
}

#[tokio::test]
async fn pacing_keeps_a_burst_under_the_servers_sliding_window() {
    // A shortened clock: the server allows 100 requests per 1 s window and the client counts
    // the same limit in the same window, so a burst of 400 concurrent calls (four windows'
    // worth) never meets a 429.
    let emu = emulator_with(EmulatorConfig {
        rate_window: Duration::from_secs(1),
        ..EmulatorConfig::default()
    })
    .await;
    emu.set_faults(Faults {
        rate_limit: 100,
        ..Faults::default()
    });
    let mut cfg = config(&emu);
    cfg.rate_limit_per_minute = Some(100);
    cfg.rate_window = Duration::from_secs(1);
    cfg.retry = RetryPolicy::no_retries();
    let c = Client::new(cfg).unwrap();
    let results: Vec<_> = futures_util::stream::iter(0..400)
        .map(|_| {
            let c = c.clone();
            async move { c.get_statuses().await }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(c.stats().rate_limited, 0);
    assert_eq!(c.request_count(), 400);
}

#[tokio::test]
async fn without_pacing_a_burst_meets_429s_and_waits_them_out_together() {
    // The control for the test above: same server limit, no client pacing.
    let emu = emulator_with(EmulatorConfig {
        rate_window: Duration::from_secs(1),
        ..EmulatorConfig::default()
    })
    .await;
    emu.set_faults(Faults {
        rate_limit: 100,
        ..Faults::default()
    });
    let c = client(&emu);
    let results: Vec<_> = futures_util::stream::iter(0..150)
        .map(|_| {
            let c = c.clone();
            async move { c.get_statuses().await }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    assert!(
        results.iter().all(Result::is_ok),
        "every 429 was waited out"
    );
    let stats = c.stats();
    assert!(stats.rate_limited > 0, "{stats:?}");
    assert_eq!(stats.sent, 150 + stats.retries);
}

#[tokio::test]
async fn uploads_and_the_typed_calls_round_trip() {
    let emu = emulator_with(EmulatorConfig {
        fixture: Some(testrail_emulator::demo_fixture()),
        ..EmulatorConfig::default()
    })
    .await;
    let c = client(&emu);
    let me = c.get_current_user().await.unwrap();
    assert_eq!(me.email, DEMO_EMAIL);
    assert_eq!(c.get_user_by_email(DEMO_EMAIL).await.unwrap().id, me.id);
    assert!(!c.get_users(None).await.unwrap().is_empty());
    assert!(
        c.get_statuses()
            .await
            .unwrap()
            .iter()
            .any(|s| s.name == "passed")
    );
    assert!(!c.get_priorities().await.unwrap().is_empty());
    assert!(!c.get_case_types().await.unwrap().is_empty());
    c.get_case_fields().await.unwrap();
    c.get_result_fields().await.unwrap();

    let (pid, sid, sec) = project(&c).await;
    assert_eq!(c.get_project(pid).await.unwrap().name, "Shop");
    assert!(c.get_projects().await.unwrap().iter().any(|p| p.id == pid));
    assert_eq!(c.get_suite(sid).await.unwrap().name, "Main");
    assert_eq!(c.get_suites(pid).await.unwrap().len(), 1);
    assert_eq!(c.get_sections(pid, Some(sid)).await.unwrap().len(), 1);
    c.get_milestones(pid).await.unwrap();
    c.get_configs(pid).await.unwrap();
    c.get_templates(pid).await.unwrap();

    let ids = add_cases(&c, sec, 3).await;
    let updated = c
        .update_case(
            ids[0],
            &CaseFields {
                title: Some("renamed".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.title, "renamed");
    assert_eq!(c.get_case(ids[0]).await.unwrap().title, "renamed");

    let run = c
        .add_run(
            pid,
            &RunFields {
                suite_id: Some(sid),
                name: Some("CI #1".into()),
                include_all: Some(false),
                case_ids: Some(ids[..2].to_vec()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(c.get_tests(run.id).await.unwrap().len(), 2);
    let run = c
        .update_run(
            run.id,
            &RunFields {
                case_ids: Some(ids.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(c.get_tests(run.id).await.unwrap().len(), 3);
    let posted = c
        .add_results_for_cases(
            run.id,
            &[
                NewResult {
                    case_id: Some(ids[0]),
                    status_id: Some(1),
                    ..Default::default()
                },
                NewResult {
                    case_id: Some(ids[1]),
                    status_id: Some(5),
                    comment: Some("boom".into()),
                    ..Default::default()
                },
            ],
        )
        .await
        .unwrap();
    assert_eq!(posted.len(), 2);
    assert_eq!(c.get_results_for_run(run.id).await.unwrap().len(), 2);
    assert_eq!(
        c.get_results_for_case(run.id, ids[1]).await.unwrap()[0]
            .comment
            .as_deref(),
        Some("boom")
    );

    let test = c.get_test(posted[1].test_id).await.unwrap();
    assert_eq!(test.case_id, ids[1]);
    assert_eq!(c.get_results(test.id).await.unwrap().len(), 1);
    assert_eq!(c.get_user(me.id).await.unwrap().email, DEMO_EMAIL);
    let m = c
        .add_milestone(
            pid,
            &AddMilestone {
                name: "1.0".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        c.get_milestones(pid)
            .await
            .unwrap()
            .iter()
            .any(|x| x.id == m.id)
    );
    let created = c
        .add_attachment_to_result(posted[1].id, "trace.txt", b"stack trace".to_vec())
        .await
        .unwrap();
    let on_run = c
        .add_attachment_to_run(run.id, "log.txt", b"log".to_vec())
        .await
        .unwrap();
    assert_ne!(created.attachment_id, on_run.attachment_id);
    let attachments = c.get_attachments_for_test(posted[1].test_id).await.unwrap();
    assert!(
        attachments.iter().any(|a| a.id == created.attachment_id),
        "{attachments:?}"
    );

    assert!(
        c.get_runs(pid, Some(false))
            .await
            .unwrap()
            .iter()
            .any(|r| r.id == run.id)
    );
    let closed = c.close_run(run.id).await.unwrap();
    assert!(closed.is_completed);
    assert!(c.get_runs(pid, Some(false)).await.unwrap().is_empty());

    let plan = c
        .add_plan(
            pid,
            &AddPlan {
                name: "Release".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let entry = c
        .add_plan_entry(
            plan.id,
            &AddPlanEntry {
                suite_id: sid,
                include_all: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let entry = c
        .update_plan_entry(
            plan.id,
            &entry.id,
            &RunFields {
                name: Some("Entry".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(entry.name, "Entry");
    let plan_run = entry.runs[0].id;
    let moved = c
        .update_run_in_plan_entry(
            plan_run,
            &RunFields {
                description: Some("d".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(moved.description.as_deref(), Some("d"));
    assert_eq!(c.get_plan(plan.id).await.unwrap().entries.len(), 1);
    assert_eq!(c.get_plans(pid).await.unwrap().len(), 1);
    assert!(c.close_plan(plan.id).await.unwrap().is_completed);

    let scratch = c
        .add_run(
            pid,
            &RunFields {
                suite_id: Some(sid),
                name: Some("r2".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    c.delete_run(scratch.id).await.unwrap();
    assert_eq!(c.get_run(scratch.id).await.unwrap_err().status(), Some(400));
}
